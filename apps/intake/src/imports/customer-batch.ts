import { CONSENT_PURPOSES } from '@closeloop/contracts';
import { ALL_CONSENT_COLUMNS } from '../customers/consent-columns';
import { contactKey } from '../customers/contact-normalizer';
import type { PiiCipher } from '../customers/pii-cipher';
import { csvRows, type CsvBatch } from './csv-batches';
import { prepareCustomers, type PreparedCustomer } from './customer-rows';
import { instantParser, type RawRow, type RowError } from './import-rows';

export { timeOrderedUuid } from './time-ordered-uuid';

/**
 * What the writer needs of one valid row to decide, in memory, which customer it is (I5): its line, a fresh
 * id in case it is new, and its lookup keys (`x:<source>:<externalId>`, `c:<kind>:<hash>`; a source never
 * holds `:`). Keyed hashes only: nothing here is personal data in clear.
 */
export interface CustomerRowKeys {
  line: number;
  candidateId: string;
  external: string | null;
  contacts: string[];
  /** The kind of the row's first contact, to name the field of a refused row. */
  firstContactKind: 'phone' | 'email' | null;
}

/**
 * One batch prepared for the writer: row errors, and the valid rows either
 * - as rows of the real tables (`direct`, decision 0012), when the runner expects only new customers and no
 *   two rows of the batch share a key: then each row is one new customer and nothing needs deciding;
 * - or with their lookup keys and as COPY text for the staging tables, for the in-memory assignment (I5).
 * Postgres text format, one line per row. Built in a worker thread (prepare.worker.ts); values are
 * normalised, hashed and encrypted before they leave it.
 */
export interface PreparedCustomerBatch {
  /** Rows read (blank lines not counted): valid ones and refused ones. */
  read: number;
  errors: RowError[];
  rows: CustomerRowKeys[];
  copy: { customers: string; contacts: string; consents: string };
  direct: DirectRows | null;
}

/** COPY text of the real tables for a batch of new customers only (columns: DIRECT_*_COLUMNS). */
export interface DirectRows {
  customers: string;
  contacts: string;
  externalIds: string;
  /** The new customers' ids, in file order. */
  created: string[];
}

export interface PrepareOptions {
  stores: string[] | null;
  timeZone: string;
  /** Rows for the real tables if possible: when they are written and by whom. Null: staging form. */
  direct: { now: string; actor: string | null } | null;
}

/**
 * A customer's own columns in COPY order, each with its COPY text: the one source of the column lists of
 * both forms (DIRECT_CUSTOMER_COLUMNS, STAGE_CUSTOMER_COLUMNS) and of the text (`customerFields`), so a
 * column and its value cannot drift apart.
 */
const CUSTOMER_FIELDS: readonly (readonly [column: string, text: (row: PreparedCustomer) => string])[] = [
  ['kind', (row) => row.kind],
  ['name_enc', (row) => plain(row.nameEnc)],
  ['name_hash', (row) => copyHash(row.nameHash)],
  ['id_number_enc', (row) => plain(row.idNumberEnc)],
  ['id_number_hash', (row) => copyHash(row.idNumberHash)],
  ['store_id', (row) => copyText(row.storeId)],
  ['account_manager_id', (row) => plain(row.accountManagerId)],
];

type Contact = PreparedCustomer['contacts'][number];
/** A contact's columns in COPY order (the real table's name, the staging table's) with its COPY text. */
const CONTACT_FIELDS: readonly (readonly [real: string, stage: string, text: (c: Contact) => string])[] = [
  ['kind', 'kind', (c) => c.kind],
  ['value_hash', 'hash', (c) => copyHash(c.hash)],
  ['value_enc', 'enc', (c) => c.enc],
];

function customerColumns(): string[] {
  return CUSTOMER_FIELDS.map(([column]) => column);
}

function contactColumns(form: 'real' | 'stage'): string[] {
  return CONTACT_FIELDS.map(([real, stage]) => (form === 'real' ? real : stage));
}

/** Real-table columns, in COPY order, of the direct form (consents: four columns per purpose, in order). */
export const DIRECT_CUSTOMER_COLUMNS = [
  'id',
  ...customerColumns(),
  'segment, segment_since, created_at, updated_at',
  ...ALL_CONSENT_COLUMNS,
].join(', ');
export const DIRECT_CONTACT_COLUMNS = ['id, customer_id', ...contactColumns('real')].join(', ');
export const DIRECT_EXTERNAL_ID_COLUMNS = 'source, external_id, customer_id';

/** Staging columns, in COPY order (customer-import.writer.ts creates the tables). */
export const STAGE_CUSTOMER_COLUMNS = ['line, candidate_id', ...customerColumns(), 'ext_source, ext_id'].join(
  ', ',
);
export const STAGE_CONTACT_COLUMNS = ['line, id', ...contactColumns('stage')].join(', ');
export const STAGE_CONSENT_COLUMNS = 'line, purpose, granted, given_at';

export function externalKey(source: string, externalId: string): string {
  return `x:${source}:${externalId}`;
}

/** Validates, normalises, hashes and encrypts one batch of customer rows (prepareCustomers), as COPY text. */
export function prepareCustomerBatch(
  input: RawRow[] | CsvBatch,
  cipher: PiiCipher,
  options: PrepareOptions,
): PreparedCustomerBatch {
  const raw = Array.isArray(input) ? input : csvRows(input);
  const read = raw.length;
  const { prepared, errors } = prepareCustomers(raw, cipher, options.stores, instantParser(options.timeZone));
  const direct = options.direct && !sharesKeys(prepared) ? directRows(prepared, options.direct) : null;
  if (direct) return { read, errors, rows: [], copy: { customers: '', contacts: '', consents: '' }, direct };
  const rows: CustomerRowKeys[] = [];
  let customers = '';
  let contacts = '';
  let consents = '';
  for (const row of prepared) {
    // Made with the row (prepareCustomers): its name and ID number are encrypted bound to it (decision 0017).
    const candidateId = row.id;
    const source = row.externalId?.source ?? null;
    rows.push({
      line: row.line,
      candidateId,
      external: row.externalId ? externalKey(row.externalId.source, row.externalId.externalId) : null,
      contacts: row.contacts.map((c) => contactKey(c.kind, c.hash)),
      firstContactKind: row.contacts[0]?.kind ?? null,
    });
    customers +=
      `${row.line}\t${candidateId}\t${customerFields(row)}\t` +
      `${plain(source)}\t${copyText(row.externalId?.externalId ?? null)}\n`;
    for (const c of row.contacts) {
      contacts += `${row.line}\t${c.id}\t${contactFields(c)}\n`;
    }
    for (const c of row.consents) {
      consents += `${row.line}\t${c.purpose}\t${c.granted ? 't' : 'f'}\t${plain(c.givenAt?.toISOString() ?? null)}\n`;
    }
  }
  return { read, errors, rows, copy: { customers, contacts, consents }, direct: null };
}

/** Whether two rows of the batch share an external id or a contact (then they are one customer: I5). */
function sharesKeys(prepared: PreparedCustomer[]): boolean {
  const contacts = new Set<string>();
  const externals = new Set<string>();
  for (const row of prepared) {
    for (const c of row.contacts) {
      // Hashes are keyed by kind (pii-cipher), so one set holds phones and e-mails apart.
      if (contacts.has(c.hash)) return true;
      contacts.add(c.hash);
    }
    if (row.externalId) {
      const key = `${row.externalId.source}\u0000${row.externalId.externalId}`;
      if (externals.has(key)) return true;
      externals.add(key);
    }
  }
  return false;
}

/**
 * The batch as rows of the real tables, each row a new customer (G1: segment `new` since now). Contacts in
 * key order: their unique index is the one written at random places, and sorted keys visit its pages in
 * order.
 */
function directRows(prepared: PreparedCustomer[], at: { now: string; actor: string | null }): DirectRows {
  const created: string[] = [];
  let customers = '';
  let externalIds = '';
  const contactRows: { hash: string; line: string }[] = [];
  for (const row of prepared) {
    const id = row.id;
    created.push(id);
    let line = `${id}\t${customerFields(row)}\tnew\t${at.now}\t${at.now}\t${at.now}`;
    for (const purpose of CONSENT_PURPOSES) {
      const c = row.consents.find((consent) => consent.purpose === purpose);
      line += c
        ? `\t${c.granted ? 't' : 'f'}\timport\t${c.givenAt ? c.givenAt.toISOString() : at.now}\t${plain(at.actor)}`
        : '\t\\N\t\\N\t\\N\t\\N';
    }
    customers += `${line}\n`;
    for (const c of row.contacts) {
      contactRows.push({
        hash: c.hash,
        line: `${c.id}\t${id}\t${contactFields(c)}\n`,
      });
    }
    if (row.externalId) {
      externalIds += `${row.externalId.source}\t${copyText(row.externalId.externalId)}\t${id}\n`;
    }
  }
  // Hex of equal length sorts as the bytes do: the order of the unique index on the hash.
  contactRows.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  let contacts = '';
  for (const c of contactRows) contacts += c.line;
  return { customers, contacts, externalIds, created };
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;

/**
 * COPY text fields of a batch. Most values can go as they are: ids and dates the code made, base64
 * ciphertexts behind a key id (`[A-Za-z0-9_-]+`, intake.env), hex hashes, validated sources and kinds.
 * Only free text (store ids, external ids) is escaped. Null is `\N`.
 */
const plain = (value: string | null): string => (value === null ? '\\N' : value);
const copyText = (value: string | null): string =>
  value === null ? '\\N' : NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, escapeChar) : value;
/** A keyed hash as bytea hex input (`\x…`), its backslash escaped for COPY text (keyed-hash.ts). */
const copyHash = (hex: string | null): string => (hex === null ? '\\N' : `\\\\x${hex}`);

const customerFields = (row: PreparedCustomer): string =>
  CUSTOMER_FIELDS.map(([, text]) => text(row)).join('\t');

const contactFields = (c: Contact): string => CONTACT_FIELDS.map(([, , text]) => text(c)).join('\t');

function escapeChar(char: string): string {
  switch (char) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      return '\\t';
  }
}
