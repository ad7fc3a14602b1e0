import {
  CONSENT_PURPOSES,
  CUSTOMER_KINDS,
  EXTERNAL_SOURCE_PATTERN,
  type ConsentPurpose,
  type CustomerKind,
} from '@closeloop/contracts';
import { normaliseEmail, normaliseIdNumber, normaliseName, phoneE164 } from '../customers/contact-normalizer';
import type { PiiCipher, PiiPlace } from '../customers/pii-cipher';
import { columnsOf, flag, RowErrors, type RawRow, type RowError } from './import-rows';
import { timeOrderedUuid } from './time-ordered-uuid';

/**
 * Customer import columns (docs/imports.md). Chinese headers are accepted too. `phone` and `email` may hold
 * several values separated by `;`. Each row needs an identifier that a re-run finds again: an external id,
 * a phone or an e-mail.
 */
export const CUSTOMER_COLUMNS = columnsOf({
  externalSource: ['外部来源', 'source'],
  externalId: ['外部编号', '客户编号'],
  kind: ['类型'],
  name: ['姓名', '名称', '客户名称'],
  phone: ['手机', '电话', '手机号', 'phones'],
  email: ['邮箱', '电子邮箱', 'emails'],
  idNumber: ['身份证号', '证件号'],
  storeId: ['门店', '门店编号', 'store'],
  accountManagerId: ['客户经理'],
  consentCallbacks: ['回访同意'],
  consentMarketing: ['营销同意'],
  consentPartnerSharing: ['共享同意'],
  consentAt: ['同意时间'],
});

/** The column of each consent purpose. */
export const CONSENT_COLUMNS: Record<ConsentPurpose, string> = {
  callbacks: 'consentCallbacks',
  marketing: 'consentMarketing',
  partner_sharing: 'consentPartnerSharing',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A valid customer row, normalised, hashed and encrypted: nothing in clear leaves this function. `id` is the
 * customer's id if the row turns out to be a new customer, and each contact's `id` its row id: the
 * ciphertexts are bound to them (decision 0017), so they are made here, before encrypting.
 */
export interface PreparedCustomer {
  line: number;
  id: string;
  externalId: { source: string; externalId: string } | null;
  kind: CustomerKind;
  nameEnc: string | null;
  nameHash: string | null;
  idNumberEnc: string | null;
  idNumberHash: string | null;
  storeId: string | null;
  accountManagerId: string | null;
  contacts: { id: string; kind: 'phone' | 'email'; hash: string; enc: string }[];
  consents: { purpose: ConsentPurpose; granted: boolean; givenAt: Date | null }[];
}

/**
 * Validates and prepares one batch of rows. Bad rows come back as errors with their line, field and reason
 * (never the value); `stores` (a scoped importer's) refuses rows of other stores.
 */
export function prepareCustomers(
  rows: RawRow[],
  cipher: PiiCipher,
  stores: string[] | null,
  parseInstant: (text: string) => Date | null,
): { prepared: PreparedCustomer[]; errors: RowError[] } {
  const prepared: PreparedCustomer[] = [];
  const errors: RowError[] = [];
  // Values to encrypt, all at once after the loop (PiiCipher.encryptMany, decision 0016); each prepared row
  // holds the positions of its values in this list until then.
  const plain: { value: string; place: PiiPlace }[] = [];
  const seal = (value: string, place: PiiPlace) => plain.push({ value, place }) - 1;
  const sealed: { row: PreparedCustomer; name: number; idNumber: number; contacts: number[] }[] = [];
  for (const { line, values } of rows) {
    const problems = new RowErrors(line);
    problems.refuseNulCharacters(values);
    const text = (column: string) => values[column]?.trim() ?? '';
    const externalId = text('externalId');
    const source = text('externalSource') || 'default';
    if (externalId.length > 64) problems.add('externalId', 'is longer than 64 characters');
    if (!EXTERNAL_SOURCE_PATTERN.test(source)) problems.add('externalSource', 'must be 1-32 of a-z 0-9 _ -');
    const kind = (text('kind') || 'person') as CustomerKind;
    if (!CUSTOMER_KINDS.includes(kind)) problems.add('kind', 'must be person or company');
    const name = text('name');
    if (name.length > 100) problems.add('name', 'is longer than 100 characters');
    const contacts: { kind: 'phone' | 'email'; hash: string; value: string }[] = [];
    for (const raw of split(text('phone'))) {
      const e164 = phoneE164(raw);
      if (e164 === null) problems.add('phone', 'is not a valid phone number');
      else contacts.push({ kind: 'phone', hash: cipher.lookupHash('phone', e164), value: e164 });
    }
    for (const raw of split(text('email'))) {
      if (!EMAIL.test(raw) || raw.length > 254) problems.add('email', 'is not an e-mail address');
      else {
        const value = normaliseEmail(raw).value;
        contacts.push({ kind: 'email', hash: cipher.lookupHash('email', value), value });
      }
    }
    if (!externalId && contacts.length === 0 && !problems.any()) {
      problems.add(
        'externalId',
        'a row needs an externalId, a phone or an e-mail (a re-run finds it by them)',
      );
    }
    let idNumber: string | null = null;
    if (text('idNumber')) {
      try {
        idNumber = normaliseIdNumber(text('idNumber'));
      } catch {
        problems.add('idNumber', 'is not a valid resident ID number');
      }
    }
    const storeId = text('storeId') || null;
    if (storeId && storeId.length > 64) problems.add('storeId', 'is longer than 64 characters');
    if (storeId && stores && !stores.includes(storeId)) problems.add('storeId', 'is not one of your stores');
    if (!storeId && stores) problems.add('storeId', 'is required: you import for your stores only');
    const accountManagerId = text('accountManagerId') || null;
    if (accountManagerId && !UUID.test(accountManagerId))
      problems.add('accountManagerId', 'must be a user id');
    const consentAt = text('consentAt') ? parseInstant(text('consentAt')) : null;
    if (text('consentAt') && !consentAt) problems.add('consentAt', 'is not a date and time');
    const consents: PreparedCustomer['consents'] = [];
    for (const purpose of CONSENT_PURPOSES) {
      const column = CONSENT_COLUMNS[purpose];
      if (!text(column)) continue;
      const granted = flag(text(column));
      if (granted === null) problems.add(column, 'must be yes or no');
      else consents.push({ purpose, granted, givenAt: consentAt });
    }
    if (problems.any()) {
      errors.push(...problems.list());
      continue;
    }
    const unique = dedupe(contacts);
    const id = timeOrderedUuid();
    const row: PreparedCustomer = {
      line,
      id,
      externalId: externalId ? { source, externalId } : null,
      kind,
      nameEnc: null,
      nameHash: name ? cipher.lookupHash('name', normaliseName(name)) : null,
      idNumberEnc: null,
      idNumberHash: idNumber ? cipher.lookupHash('id_number', idNumber) : null,
      storeId,
      accountManagerId,
      contacts: unique.map((c) => ({ id: timeOrderedUuid(), kind: c.kind, hash: c.hash, enc: '' })),
      consents,
    };
    prepared.push(row);
    sealed.push({
      row,
      name: name ? seal(name, { column: 'customers.name_enc', rowId: id }) : -1,
      idNumber: idNumber ? seal(idNumber, { column: 'customers.id_number_enc', rowId: id }) : -1,
      contacts: unique.map((c, i) =>
        seal(c.value, { column: 'customer_contacts.value_enc', rowId: row.contacts[i].id }),
      ),
    });
  }
  const encrypted = cipher.encryptMany(plain);
  for (const { row, name, idNumber, contacts } of sealed) {
    if (name >= 0) row.nameEnc = encrypted[name];
    if (idNumber >= 0) row.idNumberEnc = encrypted[idNumber];
    contacts.forEach((at, i) => (row.contacts[i].enc = encrypted[at]));
  }
  return { prepared, errors };
}

function split(value: string): string[] {
  return value
    .split(/[;；]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function dedupe<T extends { hash: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.hash) && seen.add(item.hash));
}
