/**
 * The statement-level reference checks of contacts and external ids (decisions 0016, 0017) against a
 * concurrent DELETE of the customer, on two real connections interleaved at the two moments that matter:
 * - the contact is written first and its transaction is still open when the DELETE comes;
 * - the DELETE is done first and its transaction is still open when the contact is written.
 * In neither order may a contact or external id be left naming a customer that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, pollUntil, type TestDatabase } from '@closeloop/testing';
import { migrateIntake } from '../testing/intake-fixtures';

jest.setTimeout(60_000);

let db: TestDatabase;
let writer: Client;
let deleter: Client;

beforeAll(async () => {
  db = await createTestDatabase('intake_references');
  await migrateIntake(db.url);
  writer = new Client({ connectionString: db.url });
  deleter = new Client({ connectionString: db.url });
  await writer.connect();
  await deleter.connect();
});

afterAll(async () => {
  await writer?.end();
  await deleter?.end();
  await db?.drop();
});

const REFERRING = {
  customer_contacts: (customerId: string) => ({
    sql: `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
          VALUES ($1, $2, 'phone', $3, 'k:iv:tag:body')`,
    params: [randomUUID(), customerId, Buffer.from(randomUUID())],
  }),
  customer_external_ids: (customerId: string) => ({
    sql: `INSERT INTO intake.customer_external_ids (source, external_id, customer_id) VALUES ('crm', $1, $2)`,
    params: [randomUUID(), customerId],
  }),
};

async function newCustomer(): Promise<string> {
  const id = randomUUID();
  await db.query(`INSERT INTO intake.customers (id) VALUES ($1)`, [id]);
  return id;
}

/** Rows of the table naming a customer that does not exist. */
async function orphans(table: keyof typeof REFERRING): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM intake.${table} r
      WHERE NOT EXISTS (SELECT 1 FROM intake.customers c WHERE c.id = r.customer_id)`,
  );
  return n;
}

/** Waits until the statement running on `client` either waits for a lock or has ended. */
async function blockedOrDone(client: Client, done: () => boolean): Promise<string> {
  const pid = (client as unknown as { processID: number }).processID;
  return pollUntil(
    async () => {
      if (done()) return 'done';
      const [row] = await db.query<{ wait_event_type: string | null }>(
        `SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`,
        [pid],
      );
      return row?.wait_event_type === 'Lock' ? 'blocked' : 'running';
    },
    (state) => state !== 'running',
    { intervalMs: 20, what: 'the statement to wait for a lock or end' },
  );
}

/** The outcome of a query started now, observable without awaiting it. */
function started(promise: Promise<unknown>): { ended: () => boolean; result: Promise<unknown> } {
  let ended = false;
  const result = promise.then(
    (value) => {
      ended = true;
      return value;
    },
    (error: unknown) => {
      ended = true;
      return error;
    },
  );
  return { ended: () => ended, result };
}

describe.each(Object.keys(REFERRING) as (keyof typeof REFERRING)[])(
  '%s against a concurrent DELETE of the customer',
  (table) => {
    it('written first: the DELETE waits for its commit, then takes the row with the customer', async () => {
      const customerId = await newCustomer();
      const insert = REFERRING[table](customerId);
      await writer.query('BEGIN');
      await writer.query(insert.sql, insert.params);
      const deletion = started(deleter.query(`DELETE FROM intake.customers WHERE id = $1`, [customerId]));
      const state = await blockedOrDone(deleter, deletion.ended);
      await writer.query('COMMIT');
      expect(await deletion.result).toMatchObject({ rowCount: 1 });
      expect(await orphans(table)).toBe(0);
      expect(state).toBe('blocked');
    });

    it('written after an uncommitted DELETE: it waits, then is refused as a foreign key violation', async () => {
      const customerId = await newCustomer();
      const insert = REFERRING[table](customerId);
      await deleter.query('BEGIN');
      await deleter.query(`DELETE FROM intake.customers WHERE id = $1`, [customerId]);
      await writer.query('BEGIN');
      const writing = started(writer.query(insert.sql, insert.params));
      const state = await blockedOrDone(writer, writing.ended);
      await deleter.query('COMMIT');
      const outcome = await writing.result;
      await writer.query(outcome instanceof Error ? 'ROLLBACK' : 'COMMIT');
      expect(await orphans(table)).toBe(0);
      expect(outcome).toMatchObject({ code: '23503' });
      expect(state).toBe('blocked');
    });
  },
);

it('still refuses a contact naming no customer, and cascades a DELETE to contacts and external ids', async () => {
  const missing = REFERRING.customer_contacts(randomUUID());
  await expect(writer.query(missing.sql, missing.params)).rejects.toMatchObject({ code: '23503' });
  const customerId = await newCustomer();
  for (const table of Object.keys(REFERRING) as (keyof typeof REFERRING)[]) {
    const insert = REFERRING[table](customerId);
    await writer.query(insert.sql, insert.params);
  }
  await db.query(`DELETE FROM intake.customers WHERE id = $1`, [customerId]);
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM intake.customer_contacts WHERE customer_id = $1)
          + (SELECT count(*) FROM intake.customer_external_ids WHERE customer_id = $1) AS n`,
    [customerId],
  );
  expect(Number(n)).toBe(0);
});
