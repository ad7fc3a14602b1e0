import { EXTERNAL_SOURCE_PATTERN, MAX_ORDER_FEN } from '@closeloop/contracts';
import { normaliseEmail, phoneE164 } from '../customers/contact-normalizer';
import type { PiiCipher } from '../customers/pii-cipher';
import { columnsOf, RowErrors, type RawRow, type RowError } from './import-rows';

/**
 * Order import columns (docs/imports.md). The customer is named by its external id, phone or e-mail (one
 * is enough; the first that is known wins); the amount in fen, or in yuan with at most two decimals.
 */
export const ORDER_COLUMNS = columnsOf({
  externalOrderId: ['订单号', '订单编号'],
  customerExternalSource: ['外部来源'],
  customerExternalId: ['客户编号', '外部编号'],
  customerPhone: ['手机', '电话'],
  customerEmail: ['邮箱'],
  amountFen: ['金额分'],
  amountYuan: ['金额', '金额元'],
  productLine: ['产品线'],
  storeId: ['门店', '门店编号'],
  orderedAt: ['下单时间', '订单时间'],
  deliveredAt: ['送货时间', '发货时间'],
  installedAt: ['安装时间'],
});

export interface PreparedOrder {
  line: number;
  externalOrderId: string;
  customer: { externalId?: { source: string; externalId: string }; phoneHash?: string; emailHash?: string };
  amountFen: number;
  productLine: string | null;
  storeId: string | null;
  orderedAt: Date;
  deliveredAt: Date | null;
  installedAt: Date | null;
}

export function prepareOrders(
  rows: RawRow[],
  cipher: PiiCipher,
  stores: string[] | null,
  parseInstant: (text: string) => Date | null,
): { prepared: PreparedOrder[]; errors: RowError[] } {
  const prepared: PreparedOrder[] = [];
  const errors: RowError[] = [];
  for (const { line, values } of rows) {
    const problems = new RowErrors(line);
    problems.refuseNulCharacters(values);
    const text = (column: string) => values[column]?.trim() ?? '';
    const externalOrderId = text('externalOrderId');
    if (!externalOrderId || externalOrderId.length > 64)
      problems.add('externalOrderId', 'is required (1-64 characters)');
    const customer: PreparedOrder['customer'] = {};
    if (text('customerExternalId')) {
      const source = text('customerExternalSource') || 'default';
      if (!EXTERNAL_SOURCE_PATTERN.test(source))
        problems.add('customerExternalSource', 'must be 1-32 of a-z 0-9 _ -');
      customer.externalId = { source, externalId: text('customerExternalId') };
    }
    if (text('customerPhone')) {
      const e164 = phoneE164(text('customerPhone'));
      if (e164 === null) problems.add('customerPhone', 'is not a valid phone number');
      else customer.phoneHash = cipher.lookupHash('phone', e164);
    }
    if (text('customerEmail'))
      customer.emailHash = cipher.lookupHash('email', normaliseEmail(text('customerEmail')).value);
    if (!customer.externalId && !customer.phoneHash && !customer.emailHash && !problems.any()) {
      problems.add(
        'customerExternalId',
        'name the customer by customerExternalId, customerPhone or customerEmail',
      );
    }
    const amountFen = amount(text('amountFen'), text('amountYuan'));
    if (amountFen === null)
      problems.add(
        text('amountYuan') ? 'amountYuan' : 'amountFen',
        'is not an amount (fen: whole number; yuan: at most 2 decimals)',
      );
    const orderedAt = parseInstant(text('orderedAt'));
    if (!orderedAt) problems.add('orderedAt', 'is required: a date and time');
    const optional = (column: string) => {
      if (!text(column)) return null;
      const value = parseInstant(text(column));
      if (!value) problems.add(column, 'is not a date and time');
      return value;
    };
    const deliveredAt = optional('deliveredAt');
    const installedAt = optional('installedAt');
    const storeId = text('storeId') || null;
    if (storeId && storeId.length > 64) problems.add('storeId', 'is longer than 64 characters');
    if (stores && (!storeId || !stores.includes(storeId)))
      problems.add('storeId', 'must be one of your stores');
    const productLine = text('productLine') || null;
    if (productLine && productLine.length > 64) problems.add('productLine', 'is longer than 64 characters');
    if (problems.any()) {
      errors.push(...problems.list());
      continue;
    }
    prepared.push({
      line,
      externalOrderId,
      customer,
      amountFen: amountFen!,
      productLine,
      storeId,
      orderedAt: orderedAt!,
      deliveredAt,
      installedAt,
    });
  }
  return { prepared, errors };
}

function amount(fen: string, yuan: string): number | null {
  let value: number;
  if (fen) {
    if (!/^\d+$/.test(fen)) return null;
    value = Number(fen);
  } else if (yuan) {
    const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(yuan.replace(/,/g, ''));
    if (!m) return null;
    value = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  } else {
    return null;
  }
  return Number.isSafeInteger(value) && value <= MAX_ORDER_FEN ? value : null;
}
