import { randomFillSync } from 'node:crypto';
import type { PiiCipher } from '../customers/pii-cipher';
import { prepareCustomers } from './customer-rows';
import { instantParser, type RawRow, type RowError } from './import-rows';

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
 * One batch prepared for the writer: row errors, the keys of the valid rows, and the valid rows as COPY text
 * (Postgres text format, one line per row, keyed by the file line) for the staging tables. Built in a worker
 * thread (prepare.worker.ts); values are normalised, hashed and encrypted before they leave it.
 */
export interface PreparedCustomerBatch {
  errors: RowError[];
  rows: CustomerRowKeys[];
  copy: { customers: string; contacts: string; consents: string };
}

/** Staging columns, in COPY order (customer-import.writer.ts creates the tables). */
export const STAGE_CUSTOMER_COLUMNS =
  'line, candidate_id, kind, name_enc, name_hash, id_number_enc, id_number_hash, store_id, account_manager_id, ext_source, ext_id';
export const STAGE_CONTACT_COLUMNS = 'line, id, kind, hash, enc';
export const STAGE_CONSENT_COLUMNS = 'line, purpose, granted, given_at';

export function externalKey(source: string, externalId: string): string {
  return `x:${source}:${externalId}`;
}

export function contactKey(kind: string, hash: string): string {
  return `c:${kind}:${hash}`;
}

/** Validates, normalises, hashes and encrypts one batch of customer rows (prepareCustomers), as COPY text. */
export function prepareCustomerBatch(
  raw: RawRow[],
  cipher: PiiCipher,
  stores: string[] | null,
  timeZone: string,
): PreparedCustomerBatch {
  const { prepared, errors } = prepareCustomers(raw, cipher, stores, instantParser(timeZone));
  const rows: CustomerRowKeys[] = [];
  let customers = '';
  let contacts = '';
  let consents = '';
  for (const row of prepared) {
    const candidateId = timeOrderedUuid();
    rows.push({
      line: row.line,
      candidateId,
      external: row.externalId ? externalKey(row.externalId.source, row.externalId.externalId) : null,
      contacts: row.contacts.map((c) => contactKey(c.kind, c.hash)),
      firstContactKind: row.contacts[0]?.kind ?? null,
    });
    customers += copyLine([
      String(row.line),
      candidateId,
      row.kind,
      row.nameEnc,
      row.nameHash,
      row.idNumberEnc,
      row.idNumberHash,
      row.storeId,
      row.accountManagerId,
      row.externalId?.source ?? null,
      row.externalId?.externalId ?? null,
    ]);
    for (const c of row.contacts) {
      contacts += copyLine([String(row.line), timeOrderedUuid(), c.kind, c.hash, c.enc]);
    }
    for (const c of row.consents) {
      consents += copyLine([
        String(row.line),
        c.purpose,
        c.granted ? 't' : 'f',
        c.givenAt ? c.givenAt.toISOString() : null,
      ]);
    }
  }
  return { errors, rows, copy: { customers, contacts, consents } };
}

let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids of imported customers
 * and contacts are time-ordered so that the primary keys and the customer-id indexes they go into grow at
 * their right edge instead of touching a random page of a million-entry index per row (decision 0010;
 * a random v4 id cost most of the import's Postgres time). The id reveals when the record was created,
 * which `created_at` holds anyway; nothing personal.
 */
export function timeOrderedUuid(now = Date.now()): string {
  if (randomOffset + 16 > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(16 * 4096));
    randomOffset = 0;
  }
  const bytes = randomPool.subarray(randomOffset, randomOffset + 16);
  randomOffset += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;

/** One row of COPY text format: tab separated, `\N` for null, backslash escapes. */
export function copyLine(values: (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) line += '\t';
    if (value === null) line += '\\N';
    else if (NEEDS_ESCAPE.test(value)) line += value.replace(/[\\\n\r\t]/g, escapeChar);
    else line += value;
  }
  return `${line}\n`;
}

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
