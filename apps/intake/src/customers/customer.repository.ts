import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ContactKind } from './contact-normalizer';

/** A customer as stored: ciphertexts, never plaintext. */
export interface StoredCustomer {
  id: string;
  kind: 'person' | 'company';
  nameEnc: string | null;
  erasedAt: Date | null;
  createdAt: Date;
  contacts: { kind: ContactKind; valueEnc: string }[];
  externalIds: { source: string; externalId: string }[];
}

/** All SQL on intake's customer tables outside matching (customer-matcher.ts). */
@Injectable()
export class CustomerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One customer with contacts and external ids; `lock` takes a row lock on the customer (erasure). */
  async load(id: string, manager?: EntityManager, lock = false): Promise<StoredCustomer | null> {
    const [customer] = await this.loadMany([id], manager, lock);
    return customer ?? null;
  }

  async loadMany(ids: string[], manager?: EntityManager, lock = false): Promise<StoredCustomer[]> {
    if (ids.length === 0) return [];
    const db = manager ?? this.dataSource.manager;
    const rows: {
      id: string;
      kind: 'person' | 'company';
      name_enc: string | null;
      erased_at: Date | null;
      created_at: Date;
    }[] = await db.query(
      `SELECT id, kind, name_enc, erased_at, created_at FROM intake.customers WHERE id = ANY($1::uuid[])
       ORDER BY id ${lock ? 'FOR UPDATE' : ''}`,
      [ids],
    );
    const contacts: { customer_id: string; kind: ContactKind; value_enc: string }[] = await db.query(
      `SELECT customer_id, kind, value_enc FROM intake.customer_contacts WHERE customer_id = ANY($1::uuid[])
       ORDER BY kind DESC, created_at, id`,
      [ids],
    );
    const externalIds: { customer_id: string; source: string; external_id: string }[] = await db.query(
      `SELECT customer_id, source, external_id FROM intake.customer_external_ids
       WHERE customer_id = ANY($1::uuid[]) ORDER BY source, external_id`,
      [ids],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      nameEnc: row.name_enc,
      erasedAt: row.erased_at,
      createdAt: row.created_at,
      contacts: contacts
        .filter((c) => c.customer_id === row.id)
        .map((c) => ({ kind: c.kind, valueEnc: c.value_enc })),
      externalIds: externalIds
        .filter((e) => e.customer_id === row.id)
        .map((e) => ({ source: e.source, externalId: e.external_id })),
    }));
  }

  /** Ids of customers with this contact (exact match on the keyed hash), after `afterId`, by id. */
  async idsByContactHash(kind: ContactKind, hash: string, afterId: string | null, limit: number) {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT customer_id FROM intake.customer_contacts
       WHERE kind = $1 AND value_hash = $2 AND ($3::uuid IS NULL OR customer_id > $3::uuid)
       ORDER BY customer_id LIMIT $4`,
      [kind, hash, afterId, limit],
    );
    return rows.map((row) => row.customer_id);
  }

  /** Ids of customers a partner system knows by this external id (any source), after `afterId`, by id. */
  async idsByExternalId(externalId: string, afterId: string | null, limit: number) {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT customer_id FROM intake.customer_external_ids
       WHERE external_id = $1 AND ($2::uuid IS NULL OR customer_id > $2::uuid)
       ORDER BY customer_id LIMIT $3`,
      [externalId, afterId, limit],
    );
    return rows.map((row) => row.customer_id);
  }

  /**
   * X1 erasure: contacts (ciphertexts and their keyed hashes) and external ids are deleted, the name is
   * nulled, and the row stays as a tombstone with `erased_at`, so feedback and tickets keep a valid id.
   */
  async erase(manager: EntityManager, id: string, erasedAt: Date): Promise<void> {
    await manager.query(`DELETE FROM intake.customer_contacts WHERE customer_id = $1`, [id]);
    await manager.query(`DELETE FROM intake.customer_external_ids WHERE customer_id = $1`, [id]);
    await manager.query(
      `UPDATE intake.customers SET name_enc = NULL, erased_at = $2, updated_at = $2 WHERE id = $1`,
      [id, erasedAt],
    );
  }
}
