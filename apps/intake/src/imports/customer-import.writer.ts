import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import { CONSENT_PURPOSES, type ConsentPurpose } from '@closeloop/contracts';
import { isUniqueViolation } from '@closeloop/persistence';
import { anyConsentTaken, consentAssignments, consentColumns } from '../customers/consent-columns';
import { contactKey } from '../customers/contact-normalizer';
import {
  DIRECT_CONTACT_COLUMNS,
  DIRECT_CUSTOMER_COLUMNS,
  DIRECT_EXTERNAL_ID_COLUMNS,
  externalKey,
  type DirectRows,
  STAGE_CONSENT_COLUMNS,
  STAGE_CONTACT_COLUMNS,
  STAGE_CUSTOMER_COLUMNS,
  type PreparedCustomerBatch,
} from './customer-batch';
import type { RowError } from './import-rows';

/** A concurrent writer (live intake) took a contact of a new customer: the batch is run again. */
export class BatchRaceError extends Error {
  override readonly name = 'BatchRaceError';
}

/** A batch written in the direct form met a known key: its transaction is rolled back, it is staged again. */
export class DirectConflict extends Error {
  override readonly name = 'DirectConflict';
}

export interface BatchOutcome {
  created: string[];
  updated: string[];
  unchanged: number;
  errors: RowError[];
}

/**
 * Carried from batch to batch of one import: whether the previous batch found none of its keys in the
 * registry (a first import of new customers), so the next one tries the optimistic path first.
 */
export interface ImportWriteHint {
  expectNew: boolean;
}

/**
 * Temporary staging tables of one batch, dropped at its commit (or rollback). Not WAL-logged, visible to
 * this transaction only.
 */
const STAGING = `
  CREATE TEMP TABLE import_customers (line int PRIMARY KEY, candidate_id uuid NOT NULL, kind varchar NOT NULL,
    name_enc text, name_hash bytea, id_number_enc text, id_number_hash bytea, store_id varchar,
    account_manager_id uuid, ext_source varchar, ext_id varchar) ON COMMIT DROP;
  CREATE TEMP TABLE import_contacts (line int NOT NULL, id uuid NOT NULL, kind varchar NOT NULL, hash bytea NOT NULL,
    enc text NOT NULL) ON COMMIT DROP;
  CREATE TEMP TABLE import_consents (line int NOT NULL, purpose varchar NOT NULL, granted boolean NOT NULL,
    given_at timestamptz) ON COMMIT DROP;
  CREATE TEMP TABLE import_assign (line int PRIMARY KEY, customer_id uuid NOT NULL, is_new boolean NOT NULL)
    ON COMMIT DROP;`;

/**
 * One batch of prepared customer rows, inside the caller's transaction (I5, idempotent per row): a row whose
 * external id or contact is known joins that customer and adds only what it lacks (contacts, external ids,
 * consents not recorded yet); an unknown one becomes a new customer. Fields of existing customers are never
 * overwritten (PATCH does that, audited). Rows of one batch that share a key are one customer. A re-run of
 * the same file therefore finds every row and changes nothing.
 *
 * How (decision 0010): the batch is COPYed into temporary staging tables (no parameters escaped in
 * JavaScript); one query returns which keys are known; the rows are assigned to customers in memory (the
 * same rules, in file order); the assignment is COPYed too, and set-based INSERT ... SELECT statements write
 * the real tables. A key a concurrent writer took after the lookup makes an insert come short: the whole
 * batch is rolled back and run again (BatchRaceError), as before.
 */
@Injectable()
export class CustomerImportWriter {
  /**
   * `scope`: the importer's stores (storeScope; null: every store). A row whose identifiers belong to a
   * customer the importer may not see (another store's) is refused as a row error and adds nothing to it.
   */
  async write(
    manager: EntityManager,
    batch: PreparedCustomerBatch,
    actor: string | null,
    now: Date,
    scope: string[] | null,
    hint: ImportWriteHint = { expectNew: false },
  ): Promise<BatchOutcome> {
    if (batch.rows.length === 0) return { created: [], updated: [], unchanged: 0, errors: [] };
    const client = (await manager.queryRunner!.connect()) as PoolClient;
    await client.query(STAGING);
    await copy(client, `import_customers (${STAGE_CUSTOMER_COLUMNS})`, batch.copy.customers);
    await copy(client, `import_contacts (${STAGE_CONTACT_COLUMNS})`, batch.copy.contacts);
    await copy(client, `import_consents (${STAGE_CONSENT_COLUMNS})`, batch.copy.consents);

    if (hint.expectNew) {
      // Optimistic: assume no key of the batch is known and write at once with plain INSERTs, which saves a
      // lookup probe per key and ON CONFLICT's speculative insertion on a first import. It holds exactly
      // when no unique key is violated (every customer is new; then the result is the one the lookup would
      // have given). A violation undoes the attempt and the batch goes the usual way.
      const optimistic = assignRows(batch, new Map());
      await client.query('SAVEPOINT import_optimistic');
      if (await this.insertAll(client, optimistic, actor, now, 'optimistic')) {
        await client.query('RELEASE SAVEPOINT import_optimistic');
        return optimistic.outcome;
      }
      await client.query('ROLLBACK TO SAVEPOINT import_optimistic');
      hint.expectNew = false;
    }
    const owners = await this.owners(client);
    const known = owners.size;
    const hidden = await this.lockOwners(client, owners, scope);
    const assigned = assignRows(batch, owners, hidden);
    if (!(await this.insertAll(client, assigned, actor, now, 'looked-up'))) {
      throw new BatchRaceError('an identifier was taken by a concurrent writer');
    }
    hint.expectNew = known === 0;
    return assigned.outcome;
  }

  /**
   * A batch of new customers only, no two rows sharing a key (decision 0012): COPY straight into the real
   * tables, no staging, lookup or join. It holds exactly when no unique key is violated: every row is then a
   * new customer, as the lookup would have found. A violation (a known key, or one a concurrent writer took)
   * throws DirectConflict: the caller rolls the transaction back and stages the batch.
   */
  async writeDirect(manager: EntityManager, rows: DirectRows): Promise<BatchOutcome> {
    if (rows.created.length === 0) return { created: [], updated: [], unchanged: 0, errors: [] };
    const client = (await manager.queryRunner!.connect()) as PoolClient;
    try {
      await copy(client, `intake.customers (${DIRECT_CUSTOMER_COLUMNS})`, rows.customers);
      await copy(client, `intake.customer_contacts (${DIRECT_CONTACT_COLUMNS})`, rows.contacts);
      await copy(client, `intake.customer_external_ids (${DIRECT_EXTERNAL_ID_COLUMNS})`, rows.externalIds);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DirectConflict('a key of the batch is known');
      throw error;
    }
    return { created: rows.created, updated: [], unchanged: 0, errors: [] };
  }

  /** Writes the assigned rows; false when a key turned out to be taken (the caller undoes the writes). */
  private async insertAll(
    client: PoolClient,
    assigned: Assignment,
    actor: string | null,
    now: Date,
    mode: 'optimistic' | 'looked-up',
  ): Promise<boolean> {
    try {
      return await this.insertRows(client, assigned, actor, now, mode);
    } catch (error) {
      if (mode === 'optimistic' && isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private async insertRows(
    client: PoolClient,
    assigned: Assignment,
    actor: string | null,
    now: Date,
    mode: 'optimistic' | 'looked-up',
  ): Promise<boolean> {
    // Optimistic: no key is known, so a conflict is an error (caught above), not a row to skip.
    const onConflict = (clause: string) => (mode === 'optimistic' ? '' : clause);
    await copy(client, 'import_assign (line, customer_id, is_new)', assigned.assign);
    // G1: a customer registered now is `new`, written with the row: a separate classifying UPDATE would
    // rewrite every new row and its index entries once more.
    await client.query(
      `INSERT INTO intake.customers (id, kind, name_enc, name_hash, id_number_enc, id_number_hash, store_id,
         account_manager_id, created_at, updated_at, segment, segment_since)
       SELECT a.customer_id, s.kind, s.name_enc, s.name_hash, s.id_number_enc, s.id_number_hash, s.store_id,
         s.account_manager_id, $1, $1, 'new', $1
       FROM import_assign a JOIN import_customers s USING (line) WHERE a.is_new ORDER BY a.line`,
      [now],
    );
    // No customer_activity row: an imported customer has no figures yet, and every reader takes a missing row
    // as zeros (LEFT JOIN, upserts); the first order or ticket creates it. One heap row, two index entries and
    // a foreign key check fewer per new customer.
    // The first row of the batch carrying a key owns it (as the in-memory assignment decided). Keys known
    // before are skipped by ON CONFLICT and were not counted; a key a concurrent writer took since the
    // lookup is skipped too, and then the count differs. Written in key order: the unique index on the
    // keyed hash is the one index that takes them at random places.
    const contacts = await client.query(
      `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
       SELECT DISTINCT ON (c.hash) c.id, a.customer_id, c.kind, c.hash, c.enc
       FROM import_contacts c JOIN import_assign a USING (line)
       ORDER BY c.hash, c.line
       ${onConflict('ON CONFLICT (value_hash) DO NOTHING')}`,
    );
    if (contacts.rowCount !== assigned.newContacts) return false;
    const externalIds = await client.query(
      `INSERT INTO intake.customer_external_ids (source, external_id, customer_id)
       SELECT DISTINCT ON (s.ext_source, s.ext_id) s.ext_source, s.ext_id, a.customer_id
       FROM import_customers s JOIN import_assign a USING (line)
       WHERE s.ext_id IS NOT NULL
       ORDER BY s.ext_source, s.ext_id, s.line
       ${onConflict('ON CONFLICT DO NOTHING')}`,
    );
    if (externalIds.rowCount !== assigned.newExternalIds) return false;
    // X1 consents (columns of the customer, decision 0012). A consent with a date replaces an older one;
    // without a date it is recorded only when none is. Two rows of the batch for the same customer and
    // purpose: the later line counts. Customers whose consents stay as they are are not rewritten.
    const takes = (purpose: ConsentPurpose) => {
      const at = consentColumns(purpose).givenAt;
      return `v.${at} IS NOT NULL AND (c.${at} IS NULL OR (c.${at} < v.${at} AND v.${at} <> $1))`;
    };
    const pivot = CONSENT_PURPOSES.map((purpose) => {
      const columns = consentColumns(purpose);
      const mine = `FILTER (WHERE d.purpose = '${purpose}')`;
      return `bool_or(d.granted) ${mine} AS ${columns.granted},
        CASE WHEN bool_or(true) ${mine} THEN 'import' END AS ${columns.channel},
        max(d.given_at) ${mine} AS ${columns.givenAt},
        CASE WHEN bool_or(true) ${mine} THEN $2::uuid END AS ${columns.recordedBy}`;
    });
    await client.query(
      `UPDATE intake.customers c SET ${consentAssignments('c', 'v', takes)}
       FROM (
         SELECT d.customer_id, ${pivot.join(',\n')}
         FROM (SELECT DISTINCT ON (a.customer_id, s.purpose) a.customer_id, s.purpose, s.granted,
                 COALESCE(s.given_at, $1) AS given_at
               FROM import_consents s JOIN import_assign a USING (line)
               ORDER BY a.customer_id, s.purpose, s.line DESC) d
         GROUP BY d.customer_id) v
       WHERE c.id = v.customer_id AND ${anyConsentTaken(takes)}`,
      [now, actor],
    );
    return true;
  }

  /**
   * Locks the customers the batch's keys belong to (FOR SHARE, in id order like every writer that locks
   * several) until the batch commits, so none is erased or merged under it, and returns those the importer
   * may not see (X1 store scope). A key held by an erased or merged customer (a lookup that raced the
   * erasure or merge, which then committed) is a race: the batch runs again and finds the keys where they
   * are now (gone with the erasure: a new customer; moved by the merge: the survivor). Matching never joins
   * an erased or merged customer (docs/privacy.md).
   */
  private async lockOwners(
    client: PoolClient,
    owners: Map<string, string>,
    scope: string[] | null,
  ): Promise<Set<string>> {
    const hidden = new Set<string>();
    if (owners.size === 0) return hidden;
    const found = await client.query<{ id: string; store_id: string | null; live: boolean }>(
      `SELECT id, store_id, (erased_at IS NULL AND merged_into IS NULL) AS live FROM intake.customers
        WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
      [[...new Set(owners.values())]],
    );
    for (const row of found.rows) {
      if (!row.live) throw new BatchRaceError('an identifier belongs to an erased or merged customer');
      if (scope !== null && row.store_id !== null && !scope.includes(row.store_id)) hidden.add(row.id);
    }
    return hidden;
  }

  /** Who holds each external id and contact of the batch now (keys as in customer-batch.ts). */
  private async owners(client: PoolClient): Promise<Map<string, string>> {
    // One index probe per key (LATERAL ... OFFSET 0 keeps the planner from hashing the whole real table:
    // the staging tables have no statistics, and an ANALYZE per batch cost more than the lookup).
    const found = await client.query<{ k: 'x' | 'c'; a: string; b: string; customer_id: string }>(
      `SELECT 'x' AS k, s.ext_source AS a, s.ext_id AS b, e.customer_id FROM import_customers s
         CROSS JOIN LATERAL (SELECT customer_id FROM intake.customer_external_ids e
           WHERE e.source = s.ext_source AND e.external_id = s.ext_id OFFSET 0) e
       UNION ALL
       SELECT 'c', c.kind, encode(c.hash, 'hex'), x.customer_id
         FROM (SELECT kind, hash FROM import_contacts ORDER BY hash OFFSET 0) c
         CROSS JOIN LATERAL (SELECT customer_id FROM intake.customer_contacts x
           WHERE x.kind = c.kind AND x.value_hash = c.hash OFFSET 0) x`,
    );
    const owners = new Map<string, string>();
    for (const row of found.rows) {
      owners.set(row.k === 'x' ? externalKey(row.a, row.b) : contactKey(row.a, row.b), row.customer_id);
    }
    return owners;
  }
}

/** Which customer each valid row is, and what the batch adds: the rules of I5, in file order. */
interface Assignment {
  outcome: BatchOutcome;
  /** COPY text of import_assign: line, customer id, new or not. */
  assign: string;
  newContacts: number;
  newExternalIds: number;
}

/**
 * A row whose keys are known joins their customer (two different customers: refused, merge first); an
 * unknown row is a new customer; rows of the batch sharing a key are one customer. `owners` (key -> id)
 * is extended with what the batch adds. A row whose keys belong to a customer in `hidden` (outside the
 * importer's stores) is refused and adds nothing; the message does not say which customer (X1).
 */
export function assignRows(
  batch: PreparedCustomerBatch,
  owners: Map<string, string>,
  hidden: ReadonlySet<string> = new Set(),
): Assignment {
  const outcome: BatchOutcome = { created: [], updated: [], unchanged: 0, errors: [] };
  let assign = '';
  let newContacts = 0;
  let newExternalIds = 0;
  const created = new Set<string>();
  const updated = new Set<string>();
  const unchanged = new Set<string>();
  for (const row of batch.rows) {
    const keys = row.external ? [row.external, ...row.contacts] : row.contacts;
    const known: string[] = [];
    for (const k of keys) {
      const id = owners.get(k);
      if (id !== undefined) known.push(id);
    }
    const customerId = known[0] ?? row.candidateId;
    const outOfScope = keys.find((k) => hidden.has(owners.get(k) ?? ''));
    if (outOfScope !== undefined) {
      outcome.errors.push({ line: row.line, field: keyField(outOfScope), message: OUT_OF_SCOPE });
      continue;
    }
    if (known.some((id) => id !== customerId)) {
      outcome.errors.push({
        line: row.line,
        field: row.firstContactKind ?? 'externalId',
        message: 'its identifiers belong to two different customers: merge them first',
      });
      continue;
    }
    const isNew = known.length === 0;
    let added = false;
    for (const k of keys) {
      if (owners.has(k)) continue;
      if (k === row.external) newExternalIds += 1;
      else newContacts += 1;
      owners.set(k, customerId);
      added = true;
    }
    assign += `${row.line}\t${customerId}\t${isNew ? 't' : 'f'}\n`;
    // Each customer counts once: created, else updated if any row of the batch added to it (then it is
    // audited, X2), else unchanged.
    if (isNew) created.add(customerId);
    else if (created.has(customerId) || updated.has(customerId)) continue;
    else if (added) {
      updated.add(customerId);
      unchanged.delete(customerId);
    } else unchanged.add(customerId);
  }
  outcome.created = [...created];
  outcome.updated = [...updated];
  outcome.unchanged = unchanged.size;
  return { outcome, assign, newContacts, newExternalIds };
}

/** Says neither which customer nor which store: the importer may not see that customer (X1). */
const OUT_OF_SCOPE = 'belongs to a customer outside your stores';

/** The column a lookup key came from: `externalId`, `phone` or `email` (keys as in customer-batch.ts). */
function keyField(key: string): string {
  return key.startsWith('x:') ? 'externalId' : key.split(':')[1];
}

/** COPY ... FROM STDIN of text already in COPY format (nothing to send: nothing done). */
async function copy(client: PoolClient, target: string, text: string): Promise<void> {
  if (text.length === 0) return;
  await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
}
