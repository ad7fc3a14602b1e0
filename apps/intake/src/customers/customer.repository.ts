import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeferredInsert, insertRows, UnnestInsert } from '@closeloop/messaging';
import { returnedRows } from '@closeloop/persistence';
import {
  CONSENT_PURPOSES,
  type ConsentChannel,
  type ConsentPurpose,
  type CustomerKind,
  type Segment,
} from '@closeloop/contracts';
import type { ContactKind } from './contact-normalizer';
import {
  ALL_CONSENT_COLUMNS,
  anyConsentTaken,
  consentAssignments,
  consentColumns,
  consentsOfRow,
  type StoredConsent,
} from './consent-columns';
import { hashBytes } from './keyed-hash';

/** Per-customer figures (customer_activity), as stored. */
export interface StoredActivity {
  ordersCount: number;
  annualSpendFen: number;
  totalSpendFen: number;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  ticketsCount: number;
  complaintsCount: number;
  objectionsCount: number;
  lastObjectionAt: Date | null;
  satisfaction: number | null;
  callbacksCount: number;
  lastInteractionAt: Date | null;
}

/** A customer as stored: ciphertexts, never plaintext. */
export interface StoredCustomer {
  id: string;
  kind: CustomerKind;
  nameEnc: string | null;
  idNumberEnc: string | null;
  storeId: string | null;
  accountManagerId: string | null;
  segment: Segment | null;
  mergedInto: string | null;
  version: number;
  erasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  contacts: { id: string; kind: ContactKind; valueEnc: string; valueHash: string }[];
  externalIds: { source: string; externalId: string }[];
  consents: StoredConsent[];
  activity: StoredActivity;
}

/** The columns of `customers` a create or an update writes. */
export interface CustomerRow {
  kind: CustomerKind;
  nameEnc: string | null;
  nameHash: string | null;
  idNumberEnc: string | null;
  idNumberHash: string | null;
  storeId: string | null;
  accountManagerId: string | null;
}

export interface NewContact {
  kind: ContactKind;
  hash: string;
  valueEnc: string;
}

export interface ConsentWrite {
  purpose: ConsentPurpose;
  granted: boolean;
  channel: ConsentChannel;
  givenAt: Date;
  recordedBy: string | null;
}

const NO_ACTIVITY: StoredActivity = {
  ordersCount: 0,
  annualSpendFen: 0,
  totalSpendFen: 0,
  firstOrderAt: null,
  lastOrderAt: null,
  ticketsCount: 0,
  complaintsCount: 0,
  objectionsCount: 0,
  lastObjectionAt: null,
  satisfaction: null,
  callbacksCount: 0,
  lastInteractionAt: null,
};

interface CustomerDbRow {
  id: string;
  kind: CustomerKind;
  name_enc: string | null;
  id_number_enc: string | null;
  store_id: string | null;
  account_manager_id: string | null;
  segment: Segment | null;
  merged_into: string | null;
  version: number;
  erased_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface ActivityDbRow {
  customer_id: string;
  orders_count: number;
  annual_spend_fen: string;
  total_spend_fen: string;
  first_order_at: Date | null;
  last_order_at: Date | null;
  tickets_count: number;
  complaints_count: number;
  objections_count: number;
  last_objection_at: Date | null;
  satisfaction: number | null;
  callbacks_count: number;
  last_interaction_at: Date | null;
}

/** All SQL on intake's customer tables outside matching (customer-matcher.ts) and bulk import. */
/** A customer as written (hashes as their bytes; the entity's transformer shows them as hex). */
type NewCustomerRow = Omit<CustomerRow, 'nameHash' | 'idNumberHash'> & {
  id: string;
  nameHash: Buffer | null;
  idNumberHash: Buffer | null;
  idempotencyKey: string | null;
  createdAt: Date;
  updatedAt: Date;
};
/** The columns of a customer's own fields: one map for the insert and for `update`. */
const CUSTOMER_COLUMNS: Record<keyof CustomerRow, string> = {
  kind: 'kind',
  nameEnc: 'name_enc',
  nameHash: 'name_hash',
  idNumberEnc: 'id_number_enc',
  idNumberHash: 'id_number_hash',
  storeId: 'store_id',
  accountManagerId: 'account_manager_id',
};
const INSERT_CUSTOMER = new DeferredInsert<NewCustomerRow>('intake.customers', {
  id: 'id',
  ...CUSTOMER_COLUMNS,
  idempotencyKey: 'idempotency_key',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});
const INSERT_ACTIVITY = new DeferredInsert<{ customerId: string }>('intake.customer_activity', {
  customerId: 'customer_id',
});

/** Contacts added to a customer; the hashes that were added come back (hex). */
const INSERT_CONTACTS = new UnnestInsert<
  { id: string; customerId: string; kind: ContactKind; valueHash: Buffer; valueEnc: string },
  { value_hash: string }
>(
  'intake.customer_contacts',
  {
    id: ['id', 'uuid'],
    customerId: ['customer_id', 'uuid'],
    kind: ['kind', 'varchar'],
    valueHash: ['value_hash', 'bytea'],
    valueEnc: ['value_enc', 'text'],
  },
  `ON CONFLICT (value_hash) DO NOTHING RETURNING encode(value_hash, 'hex') AS value_hash`,
);

/** External ids added to a customer; those added come back. */
const INSERT_EXTERNAL_IDS = new UnnestInsert<
  { source: string; externalId: string; customerId: string },
  { source: string; external_id: string }
>(
  'intake.customer_external_ids',
  {
    source: ['source', 'varchar'],
    externalId: ['external_id', 'varchar'],
    customerId: ['customer_id', 'uuid'],
  },
  'ON CONFLICT DO NOTHING RETURNING source, external_id',
);

@Injectable()
export class CustomerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One customer with contacts and external ids; `lock` takes a row lock on the customer (erasure). */
  async load(id: string, manager?: EntityManager, lock = false): Promise<StoredCustomer | null> {
    const [customer] = await this.loadMany([id], manager, lock);
    return customer ?? null;
  }

  /** Customers by id, in id order (the lock order of every writer that locks several). */
  async loadMany(ids: string[], manager?: EntityManager, lock = false): Promise<StoredCustomer[]> {
    if (ids.length === 0) return [];
    const db = manager ?? this.dataSource.manager;
    const rows: CustomerDbRow[] = await db.query(
      `SELECT id, kind, name_enc, id_number_enc, store_id, account_manager_id, segment, merged_into, version,
              erased_at, created_at, updated_at, ${ALL_CONSENT_COLUMNS.join(', ')}
       FROM intake.customers WHERE id = ANY($1::uuid[]) ORDER BY id ${lock ? 'FOR UPDATE' : ''}`,
      [ids],
    );
    // One after another: inside a transaction they share one connection (pg would queue them anyway).
    const contacts: {
      id: string;
      customer_id: string;
      kind: ContactKind;
      value_enc: string;
      value_hash: string;
    }[] = await db.query(
      `SELECT id, customer_id, kind, value_enc, encode(value_hash, 'hex') AS value_hash FROM intake.customer_contacts
         WHERE customer_id = ANY($1::uuid[]) ORDER BY kind DESC, created_at, id`,
      [ids],
    );
    const externalIds: { customer_id: string; source: string; external_id: string }[] = await db.query(
      `SELECT customer_id, source, external_id FROM intake.customer_external_ids
       WHERE customer_id = ANY($1::uuid[]) ORDER BY source, external_id`,
      [ids],
    );
    const activity: ActivityDbRow[] = await db.query(
      `SELECT * FROM intake.customer_activity WHERE customer_id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      nameEnc: row.name_enc,
      idNumberEnc: row.id_number_enc,
      storeId: row.store_id,
      accountManagerId: row.account_manager_id,
      segment: row.segment,
      mergedInto: row.merged_into,
      version: row.version,
      erasedAt: row.erased_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      contacts: contacts
        .filter((c) => c.customer_id === row.id)
        .map((c) => ({ id: c.id, kind: c.kind, valueEnc: c.value_enc, valueHash: c.value_hash })),
      externalIds: externalIds
        .filter((e) => e.customer_id === row.id)
        .map((e) => ({ source: e.source, externalId: e.external_id })),
      consents: consentsOfRow(row as unknown as Record<string, unknown>),
      activity: toActivity(activity.find((a) => a.customer_id === row.id)),
    }));
  }

  /** The survivor a merged id resolves to (following chains), or the id itself. */
  async resolve(id: string, manager?: EntityManager): Promise<string> {
    const rows: { id: string }[] = await (manager ?? this.dataSource.manager).query(
      `WITH RECURSIVE chain(id, merged_into, depth) AS (
         SELECT id, merged_into, 0 FROM intake.customers WHERE id = $1
         UNION ALL
         SELECT c.id, c.merged_into, chain.depth + 1 FROM intake.customers c
         JOIN chain ON c.id = chain.merged_into WHERE chain.depth < 16)
       SELECT id FROM chain WHERE merged_into IS NULL LIMIT 1`,
      [id],
    );
    return rows[0]?.id ?? id;
  }

  /** The customer created with this Idempotency-Key, if any. */
  async idByIdempotencyKey(key: string): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM intake.customers WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0]?.id ?? null;
  }

  /** Ids of customers with this contact (exact match on the keyed hash), after `afterId`, by id. */
  async idsByContactHash(kind: ContactKind, hash: string, afterId: string | null, limit: number) {
    const rows: { customer_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT customer_id FROM intake.customer_contacts
       WHERE kind = $1 AND value_hash = $2 AND ($3::uuid IS NULL OR customer_id > $3::uuid)
       ORDER BY customer_id LIMIT $4`,
      [kind, hashBytes(hash), afterId, limit],
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
   * Live customers by segment and/or store, by id. `stores` (the caller's, when scoped) keeps customers of
   * those stores and customers of no store.
   */
  async idsByAttributes(
    filter: { segment?: Segment; storeId?: string; stores: string[] | null },
    afterId: string | null,
    limit: number,
  ): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM intake.customers
       WHERE erased_at IS NULL AND merged_into IS NULL
         AND ($1::varchar IS NULL OR segment = $1) AND ($2::varchar IS NULL OR store_id = $2)
         AND ($3::varchar[] IS NULL OR store_id IS NULL OR store_id = ANY($3))
         AND ($4::uuid IS NULL OR id > $4::uuid)
       ORDER BY id LIMIT $5`,
      [filter.segment ?? null, filter.storeId ?? null, filter.stores, afterId, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The store of each of these customers (null: no store), for store scoping (X1). */
  async storesOf(manager: EntityManager, ids: string[]): Promise<Map<string, string | null>> {
    const rows: { id: string; store_id: string | null }[] = await manager.query(
      'SELECT id, store_id FROM intake.customers WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.store_id]));
  }

  /** Which of these contacts (by kind and hash) belong to which customer. */
  async contactOwners(
    manager: EntityManager,
    contacts: { kind: ContactKind; hash: string }[],
  ): Promise<{ customerId: string; kind: ContactKind; hash: string }[]> {
    if (contacts.length === 0) return [];
    const rows: { customer_id: string; kind: ContactKind; value_hash: string }[] = await manager.query(
      `SELECT customer_id, kind, encode(value_hash, 'hex') AS value_hash FROM intake.customer_contacts
       WHERE (kind, value_hash) IN (SELECT * FROM unnest($1::varchar[], $2::bytea[]))`,
      [contacts.map((c) => c.kind), contacts.map((c) => hashBytes(c.hash))],
    );
    return rows.map((row) => ({ customerId: row.customer_id, kind: row.kind, hash: row.value_hash }));
  }

  /** Which of these external ids belong to which customer. */
  async externalIdOwners(
    manager: EntityManager,
    externalIds: { source: string; externalId: string }[],
  ): Promise<{ customerId: string; source: string; externalId: string }[]> {
    if (externalIds.length === 0) return [];
    const rows: { customer_id: string; source: string; external_id: string }[] = await manager.query(
      `SELECT customer_id, source, external_id FROM intake.customer_external_ids
       WHERE (source, external_id) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[]))`,
      [externalIds.map((e) => e.source), externalIds.map((e) => e.externalId)],
    );
    return rows.map((row) => ({
      customerId: row.customer_id,
      source: row.source,
      externalId: row.external_id,
    }));
  }

  async insert(
    manager: EntityManager,
    customer: CustomerRow & { id: string; idempotencyKey: string | null; createdAt: Date },
  ): Promise<void> {
    await insertRows(manager, INSERT_CUSTOMER, [
      {
        ...customer,
        nameHash: hashBytes(customer.nameHash),
        idNumberHash: hashBytes(customer.idNumberHash),
        updatedAt: customer.createdAt,
      },
    ]);
    await insertRows(manager, INSERT_ACTIVITY, [{ customerId: customer.id }]);
  }

  /** Writes the given columns and moves the version on. */
  async update(manager: EntityManager, id: string, changes: Partial<CustomerRow>, at: Date): Promise<void> {
    const columns = CUSTOMER_COLUMNS;
    const sets: string[] = [];
    const params: unknown[] = [id, at];
    for (const [key, value] of Object.entries(changes) as [keyof CustomerRow, unknown][]) {
      params.push(key === 'nameHash' || key === 'idNumberHash' ? hashBytes(value as string | null) : value);
      sets.push(`${columns[key]} = $${params.length}`);
    }
    await manager.query(
      `UPDATE intake.customers SET ${[...sets, 'version = version + 1', 'updated_at = $2'].join(', ')}
       WHERE id = $1`,
      params,
    );
  }

  /** Adds contacts; returns the hashes another customer holds already (nothing is added for those). */
  async addContacts(
    manager: EntityManager,
    customerId: string,
    contacts: (NewContact & { id: string })[],
  ): Promise<string[]> {
    if (contacts.length === 0) return [];
    const inserted = await INSERT_CONTACTS.run(
      manager,
      contacts.map((c) => ({
        id: c.id,
        customerId,
        kind: c.kind,
        valueHash: hashBytes(c.hash),
        valueEnc: c.valueEnc,
      })),
    );
    const added = new Set(inserted.map((row) => row.value_hash));
    return contacts.filter((c) => !added.has(c.hash)).map((c) => c.hash);
  }

  async removeContacts(manager: EntityManager, customerId: string, hashes: string[]): Promise<number> {
    const rows = returnedRows(
      await manager.query(
        `DELETE FROM intake.customer_contacts WHERE customer_id = $1 AND value_hash = ANY($2::bytea[])
       RETURNING id`,
        [customerId, hashes.map((hash) => hashBytes(hash))],
      ),
    );
    return rows.length;
  }

  /** Adds external ids; returns those another customer holds already. */
  async addExternalIds(
    manager: EntityManager,
    customerId: string,
    externalIds: { source: string; externalId: string }[],
  ): Promise<{ source: string; externalId: string }[]> {
    if (externalIds.length === 0) return [];
    const inserted = await INSERT_EXTERNAL_IDS.run(
      manager,
      externalIds.map((e) => ({ source: e.source, externalId: e.externalId, customerId })),
    );
    const added = new Set(inserted.map((row) => `${row.source}\u0000${row.external_id}`));
    return externalIds.filter((e) => !added.has(`${e.source}\u0000${e.externalId}`));
  }

  async removeExternalIds(
    manager: EntityManager,
    customerId: string,
    externalIds: { source: string; externalId: string }[],
  ): Promise<number> {
    const rows = returnedRows(
      await manager.query(
        `DELETE FROM intake.customer_external_ids WHERE customer_id = $1
         AND (source, external_id) IN (SELECT * FROM unnest($2::varchar[], $3::varchar[]))
       RETURNING customer_id`,
        [customerId, externalIds.map((e) => e.source), externalIds.map((e) => e.externalId)],
      ),
    );
    return rows.length;
  }

  /** The latest answer per purpose wins; an older answer than the stored one changes nothing. */
  async upsertConsents(manager: EntityManager, customerId: string, consents: ConsentWrite[]): Promise<void> {
    if (consents.length === 0) return;
    const given = new Map(consents.map((c) => [c.purpose, c])); // one answer per purpose: the last given
    const params: unknown[] = [customerId];
    const values = CONSENT_PURPOSES.map((purpose) => {
      const c = given.get(purpose);
      const columns = consentColumns(purpose);
      params.push(c?.granted ?? null, c?.channel ?? null, c?.givenAt ?? null, c?.recordedBy ?? null);
      const n = params.length;
      return `$${n - 3}::boolean AS ${columns.granted}, $${n - 2}::varchar AS ${columns.channel},
              $${n - 1}::timestamptz AS ${columns.givenAt}, $${n}::uuid AS ${columns.recordedBy}`;
    });
    const takes = (purpose: ConsentPurpose) => {
      const at = consentColumns(purpose).givenAt;
      return `v.${at} IS NOT NULL AND (c.${at} IS NULL OR c.${at} <= v.${at})`;
    };
    await manager.query(
      `UPDATE intake.customers c SET ${consentAssignments('c', 'v', takes)}
       FROM (SELECT ${values.join(', ')}) v
       WHERE c.id = $1 AND ${anyConsentTaken(takes)}`,
      params,
    );
  }

  /**
   * X1 erasure: contacts (ciphertexts and their keyed hashes), external ids and consents are deleted, name,
   * ID number and their hashes nulled, and the free text the customer gave in feedback redacted (it may hold
   * names and numbers). The row stays as a tombstone with `erased_at`, so feedback and tickets keep a valid
   * id. Customers merged into this one are erased with it (their rows hold no contacts any more).
   */
  async erase(manager: EntityManager, id: string, erasedAt: Date): Promise<void> {
    const ids = [id, ...(await this.mergedInto(manager, id))];
    await manager.query(`DELETE FROM intake.customer_contacts WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await manager.query(`DELETE FROM intake.customer_external_ids WHERE customer_id = ANY($1::uuid[])`, [
      ids,
    ]);
    await manager.query(
      `UPDATE intake.customers SET ${ALL_CONSENT_COLUMNS.map((column) => `${column} = NULL`).join(', ')}
       WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    await manager.query(
      `UPDATE intake.customers SET name_enc = NULL, name_hash = NULL, id_number_enc = NULL,
         id_number_hash = NULL, idempotency_key = NULL, erased_at = $2, updated_at = $2,
         version = version + 1
       WHERE id = ANY($1::uuid[])`,
      [ids, erasedAt],
    );
    await manager.query(
      `UPDATE intake.feedback SET description = $2, customer_request = NULL
       WHERE customer_id = ANY($1::uuid[])`,
      [ids, REDACTED],
    );
  }

  /** Ids merged (directly or through a chain) into this customer. */
  async mergedInto(manager: EntityManager, id: string): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `WITH RECURSIVE merged(id, depth) AS (
         SELECT id, 0 FROM intake.customers WHERE merged_into = $1
         UNION ALL
         SELECT c.id, merged.depth + 1 FROM intake.customers c JOIN merged ON c.merged_into = merged.id
         WHERE merged.depth < 16)
       SELECT id FROM merged`,
      [id],
    );
    return rows.map((row) => row.id);
  }
}

/** What erased free text becomes (X1): the row stays (counts, tickets), the words do not. */
export const REDACTED = '[erased on request]';

function toActivity(row: ActivityDbRow | undefined): StoredActivity {
  if (!row) return NO_ACTIVITY;
  return {
    ordersCount: row.orders_count,
    annualSpendFen: Number(row.annual_spend_fen),
    totalSpendFen: Number(row.total_spend_fen),
    firstOrderAt: row.first_order_at,
    lastOrderAt: row.last_order_at,
    ticketsCount: row.tickets_count,
    // Transiently −1 while a reclassification waits for its ticket's opening (ActivityService.reclassified).
    complaintsCount: Math.max(0, row.complaints_count),
    objectionsCount: row.objections_count,
    lastObjectionAt: row.last_objection_at,
    satisfaction: row.satisfaction,
    callbacksCount: row.callbacks_count,
    lastInteractionAt: row.last_interaction_at,
  };
}
