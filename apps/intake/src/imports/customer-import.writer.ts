import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PreparedCustomer } from './customer-rows';
import type { RowError } from './import-rows';

/** A concurrent writer (live intake) took a contact of a new customer: the batch is run again. */
export class BatchRaceError extends Error {
  override readonly name = 'BatchRaceError';
}

export interface BatchOutcome {
  created: string[];
  updated: string[];
  unchanged: number;
  errors: RowError[];
}

const key = {
  external: (source: string, id: string) => `x\u0000${source}\u0000${id}`,
  contact: (kind: string, hash: string) => `c\u0000${kind}\u0000${hash}`,
};

/**
 * One batch of prepared customer rows, set-based, inside the caller's transaction (I5, idempotent per row):
 * a row whose external id or contact is known joins that customer and adds only what it lacks (contacts,
 * external ids, consents not recorded yet); an unknown one becomes a new customer. Fields of existing
 * customers are never overwritten (PATCH does that, audited). Rows of one batch that share a key are one
 * customer. A re-run of the same file therefore finds every row and changes nothing.
 */
@Injectable()
export class CustomerImportWriter {
  async write(
    manager: EntityManager,
    rows: PreparedCustomer[],
    actor: string | null,
    now: Date,
  ): Promise<BatchOutcome> {
    const owners = await this.owners(manager, rows);
    const outcome: BatchOutcome = { created: [], updated: [], unchanged: 0, errors: [] };
    const newCustomers: (PreparedCustomer & { id: string })[] = [];
    const contacts: { customerId: string; kind: string; hash: string; enc: string }[] = [];
    const externalIds: { customerId: string; source: string; externalId: string }[] = [];
    const consents: { customerId: string; purpose: string; granted: boolean; givenAt: Date | null }[] = [];
    const touched = new Set<string>();

    for (const row of rows) {
      const keys = [
        ...(row.externalId ? [key.external(row.externalId.source, row.externalId.externalId)] : []),
        ...row.contacts.map((c) => key.contact(c.kind, c.hash)),
      ];
      const known = keys.map((k) => owners.get(k)).filter((id): id is string => id !== undefined);
      const customerId = known[0] ?? randomUUID();
      if (known.some((id) => id !== customerId)) {
        outcome.errors.push({
          line: row.line,
          field: row.contacts.length ? row.contacts[0].kind : 'externalId',
          message: 'its identifiers belong to two different customers: merge them first',
        });
        continue;
      }
      const isNew = known.length === 0;
      let added = false;
      if (isNew) newCustomers.push({ ...row, id: customerId });
      if (row.externalId && !owners.has(keys[0])) {
        externalIds.push({ customerId, ...row.externalId });
        added = true;
      }
      for (const contact of row.contacts) {
        if (owners.has(key.contact(contact.kind, contact.hash))) continue;
        contacts.push({ customerId, ...contact });
        added = true;
      }
      for (const consent of row.consents) consents.push({ customerId, ...consent });
      for (const k of keys) owners.set(k, customerId);
      if (isNew) outcome.created.push(customerId);
      else if (added && !touched.has(customerId)) outcome.updated.push(customerId);
      else if (!added && !touched.has(customerId)) outcome.unchanged += 1;
      touched.add(customerId);
    }

    await this.insertCustomers(manager, newCustomers, now);
    const addedContacts: { value_hash: string }[] = await manager.query(
      `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
       SELECT gen_random_uuid(), * FROM unnest($1::uuid[], $2::varchar[], $3::char(64)[], $4::text[])
       ON CONFLICT (kind, value_hash) DO NOTHING RETURNING value_hash`,
      [
        contacts.map((c) => c.customerId),
        contacts.map((c) => c.kind),
        contacts.map((c) => c.hash),
        contacts.map((c) => c.enc),
      ],
    );
    const addedExternal: unknown[] = await manager.query(
      `INSERT INTO intake.customer_external_ids (source, external_id, customer_id)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::uuid[])
       ON CONFLICT DO NOTHING RETURNING customer_id`,
      [
        externalIds.map((e) => e.source),
        externalIds.map((e) => e.externalId),
        externalIds.map((e) => e.customerId),
      ],
    );
    if (addedContacts.length !== contacts.length || addedExternal.length !== externalIds.length) {
      throw new BatchRaceError('an identifier was taken by a concurrent writer');
    }
    // A consent with a date replaces an older one; without a date it is recorded only when none is.
    await manager.query(
      `INSERT INTO intake.customer_consents (customer_id, purpose, granted, channel, given_at, recorded_by)
       SELECT v.customer_id, v.purpose, v.granted, 'import', COALESCE(v.given_at, $5), $6
       FROM unnest($1::uuid[], $2::varchar[], $3::boolean[], $4::timestamptz[]) AS v(customer_id, purpose, granted, given_at)
       ON CONFLICT (customer_id, purpose) DO UPDATE SET granted = EXCLUDED.granted, channel = EXCLUDED.channel,
         given_at = EXCLUDED.given_at, recorded_by = EXCLUDED.recorded_by
       WHERE intake.customer_consents.given_at < EXCLUDED.given_at AND EXCLUDED.given_at <> $5`,
      [
        consents.map((c) => c.customerId),
        consents.map((c) => c.purpose),
        consents.map((c) => c.granted),
        consents.map((c) => c.givenAt),
        now,
        actor,
      ],
    );
    return outcome;
  }

  /** Who holds each external id and contact of the batch now. */
  private async owners(manager: EntityManager, rows: PreparedCustomer[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const external = rows.flatMap((r) => (r.externalId ? [r.externalId] : []));
    if (external.length > 0) {
      const found: { source: string; external_id: string; customer_id: string }[] = await manager.query(
        `SELECT e.source, e.external_id, e.customer_id FROM intake.customer_external_ids e
         JOIN unnest($1::varchar[], $2::varchar[]) AS v(source, external_id)
           ON e.source = v.source AND e.external_id = v.external_id`,
        [external.map((e) => e.source), external.map((e) => e.externalId)],
      );
      for (const row of found) owners.set(key.external(row.source, row.external_id), row.customer_id);
    }
    const contacts = rows.flatMap((r) => r.contacts);
    if (contacts.length > 0) {
      const found: { kind: string; value_hash: string; customer_id: string }[] = await manager.query(
        `SELECT c.kind, c.value_hash, c.customer_id FROM intake.customer_contacts c
         JOIN unnest($1::varchar[], $2::char(64)[]) AS v(kind, value_hash)
           ON c.kind = v.kind AND c.value_hash = v.value_hash`,
        [contacts.map((c) => c.kind), contacts.map((c) => c.hash)],
      );
      for (const row of found) owners.set(key.contact(row.kind, row.value_hash), row.customer_id);
    }
    return owners;
  }

  private async insertCustomers(
    manager: EntityManager,
    rows: (PreparedCustomer & { id: string })[],
    now: Date,
  ) {
    if (rows.length === 0) return;
    await manager.query(
      // G1: a customer registered now is `new` (see SegmentService.announceNew), written with the row: a
      // separate classifying UPDATE would rewrite every new row and its index entries once more.
      `INSERT INTO intake.customers (id, kind, name_enc, name_hash, id_number_enc, id_number_hash, store_id,
         account_manager_id, created_at, updated_at, segment, segment_since)
       SELECT *, $9::timestamptz, $9::timestamptz, 'new', $9::timestamptz FROM unnest($1::uuid[], $2::varchar[],
         $3::text[], $4::char(64)[], $5::text[], $6::char(64)[], $7::varchar[], $8::uuid[])`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.kind),
        rows.map((r) => r.nameEnc),
        rows.map((r) => r.nameHash),
        rows.map((r) => r.idNumberEnc),
        rows.map((r) => r.idNumberHash),
        rows.map((r) => r.storeId),
        rows.map((r) => r.accountManagerId),
        now,
      ],
    );
    await manager.query(
      `INSERT INTO intake.customer_activity (customer_id) SELECT * FROM unnest($1::uuid[])`,
      [rows.map((r) => r.id)],
    );
  }
}
