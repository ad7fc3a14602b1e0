import { Readable } from 'node:stream';
import { PiiCipher } from '../customers/pii-cipher';
import { DEV_PII_HMAC_KEY, DEV_PII_KEYS } from '../intake.env';
import { CUSTOMER_COLUMNS, prepareCustomers } from './customer-rows';
import { flag, instantParser, readRows, type RawRow } from './import-rows';
import { ORDER_COLUMNS, prepareOrders } from './order-rows';

const cipher = new PiiCipher(DEV_PII_KEYS, 'dev1', Buffer.from(DEV_PII_HMAC_KEY, 'base64'));
const shanghai = instantParser('Asia/Shanghai');

async function rows(csv: string, columns = CUSTOMER_COLUMNS): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const row of readRows(Readable.from([Buffer.from(csv)]), 'csv', columns)) out.push(row);
  return out;
}

describe('reading files', () => {
  it('numbers rows by their line in the file, maps Chinese headers, skips blank lines, keeps quoted commas', async () => {
    const read = await rows('\uFEFF姓名,手机\r\n"王, 小明",13800138000\r\n\r\n李四,13900139000\r\n');
    expect(read).toEqual([
      { line: 2, values: { name: '王, 小明', phone: '13800138000' } },
      { line: 4, values: { name: '李四', phone: '13900139000' } },
    ]);
  });

  it('refuses an unknown column and an empty file', async () => {
    await expect(rows('name,colour\nx,y\n')).rejects.toMatchObject({ code: 'IMPORT.INVALID_FILE' });
    await expect(rows('')).rejects.toMatchObject({ code: 'IMPORT.INVALID_FILE' });
  });
});

describe('values as people write them', () => {
  it.each([
    ['是', true],
    ['yes', true],
    ['0', false],
    ['否', false],
    ['maybe', null],
  ])('flag(%s) = %s', (text, expected) => expect(flag(text)).toBe(expected));

  it('reads wall times in the business zone and instants with an offset as they are', () => {
    expect(shanghai('2026-11-02 10:30')?.toISOString()).toBe('2026-11-02T02:30:00.000Z');
    expect(shanghai('2026/11/2')?.toISOString()).toBe('2026-11-01T16:00:00.000Z');
    expect(shanghai('2026-11-02T10:30:00Z')?.toISOString()).toBe('2026-11-02T10:30:00.000Z');
    expect(shanghai('2026-02-30')).toBeNull();
    expect(shanghai('yesterday')).toBeNull();
  });
});

describe('preparing customer rows', () => {
  it('encrypts and hashes everything, and reports bad rows by line and field without their values', () => {
    const { prepared, errors } = prepareCustomers(
      [
        {
          line: 2,
          values: {
            name: '王小明',
            phone: '138-0013-8000;13900139000',
            email: 'A@B.CN',
            consentCallbacks: '是',
          },
        },
        { line: 3, values: { name: '无联系方式' } },
        {
          line: 4,
          values: {
            externalId: 'X1',
            phone: '123',
            idNumber: '110105194912310021',
            consentMarketing: 'perhaps',
          },
        },
      ],
      cipher,
      null,
      shanghai,
    );
    expect(prepared).toHaveLength(1);
    const [row] = prepared;
    expect(row.contacts.map((c) => c.kind)).toEqual(['phone', 'phone', 'email']);
    expect(JSON.stringify(row)).not.toMatch(/王小明|13800138000|a@b\.cn/);
    expect(
      cipher.decrypt(row.contacts[2].enc, {
        column: 'customer_contacts.value_enc',
        rowId: row.contacts[2].id,
      }),
    ).toBe('a@b.cn');
    expect(row.consents).toEqual([{ purpose: 'callbacks', granted: true, givenAt: null }]);
    expect(errors).toEqual([
      { line: 3, field: 'externalId', message: expect.stringContaining('needs an externalId') },
      { line: 4, field: 'phone', message: 'is not a valid phone number' },
      { line: 4, field: 'idNumber', message: 'is not a valid resident ID number' },
      { line: 4, field: 'consentMarketing', message: 'must be yes or no' },
    ]);
    expect(JSON.stringify(errors)).not.toContain('110105194912310021');
  });

  it('keeps a store-scoped importer to their stores', () => {
    const { errors } = prepareCustomers(
      [{ line: 2, values: { phone: '13800138000', storeId: 'store-b' } }],
      cipher,
      ['store-a'],
      shanghai,
    );
    expect(errors).toEqual([{ line: 2, field: 'storeId', message: 'is not one of your stores' }]);
  });

  it('refuses a cell holding a NUL character (Postgres cannot store it) and keeps the row out', () => {
    const { prepared, errors } = prepareCustomers(
      [
        { line: 2, values: { phone: '13800138000', externalId: 'C-1\u0000' } },
        { line: 3, values: { phone: '13800138001', externalId: 'C-2' } },
      ],
      cipher,
      null,
      shanghai,
    );
    expect(errors).toEqual([{ line: 2, field: 'externalId', message: 'contains a NUL character (U+0000)' }]);
    expect(prepared.map((row) => row.line)).toEqual([3]);
    const orders = prepareOrders(
      [
        {
          line: 2,
          values: {
            externalOrderId: 'SO\u0000',
            customerPhone: '13800138000',
            orderedAt: '2026-11-02',
            amountFen: '1',
          },
        },
      ],
      cipher,
      null,
      shanghai,
    );
    expect(orders.errors).toContainEqual({
      line: 2,
      field: 'externalOrderId',
      message: 'contains a NUL character (U+0000)',
    });
    expect(orders.prepared).toEqual([]);
  });
});

describe('preparing order rows', () => {
  it.each([
    [{ amountFen: '129900' }, 129_900],
    [{ amountYuan: '1,299.5' }, 129_950],
    [{ amountYuan: '88' }, 8_800],
  ])('reads the amount %j as %d fen', (amount, fen) => {
    const { prepared } = prepareOrders(
      [
        {
          line: 2,
          values: {
            externalOrderId: 'SO-1',
            customerPhone: '13800138000',
            orderedAt: '2026-11-02',
            ...amount,
          },
        },
      ],
      cipher,
      null,
      shanghai,
    );
    expect(prepared[0].amountFen).toBe(fen);
  });

  it('refuses amounts with more than two decimals, a missing date and an unnamed customer', () => {
    const { errors } = prepareOrders(
      [{ line: 7, values: { externalOrderId: 'SO-2', amountYuan: '1.234' } }],
      cipher,
      null,
      shanghai,
    );
    expect(errors.map((e) => e.field)).toEqual(['customerExternalId', 'amountYuan', 'orderedAt']);
    expect(ORDER_COLUMNS.get('金额')).toBe('amountYuan');
  });
});
