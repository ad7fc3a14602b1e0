/**
 * The import writers against the importer's store scope and against erased or merged customers (issue 14):
 * - a store-scoped importer's row whose identifiers belong to another store's customer is refused as a row
 *   error (the field, not the customer) and adds nothing to that customer; customers of its own stores and
 *   of no store are joined as before; orders naming another store's customer are refused the same way;
 * - a lookup that races an erasure or a merge never joins the erased or merged customer: the batch runs
 *   again and finds the identifiers where they are after it (a new customer, or the survivor).
 * The races are played on a second connection holding the erasure or merge open while the writer looks up.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  CustomerWriteRpc,
  ImportRpc,
  type Caller,
  type ImportKind,
  type ImportView,
} from '@closeloop/contracts';
import { pollUntil, type InProcessService, type TestDatabase } from '@closeloop/testing';
import { PiiCipher } from '../customers/pii-cipher';
import { prepareCustomerBatch } from './customer-batch';
import { BatchRaceError, CustomerImportWriter } from './customer-import.writer';
import { ImportRunner } from './import.runner';
import { QUIET_INTAKE_JOBS, startIntakeWithDb, uploadCsv } from '../testing/intake-fixtures';

jest.setTimeout(120_000);

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;
const caller = (roles: Caller['roles'], stores: string[] = []): Caller => ({
  userId: randomUUID(),
  roles,
  departments: [],
  stores,
});
const admin = caller(['admin']);
/** A supervisor of store s1 only. */
const storeSupervisor = caller(['supervisor'], ['s1']);

let seq = 0;
const phone = () => `1361234${String(1000 + ++seq).slice(-4)}`;

async function customer(
  storeId: string | null,
  phones: string[],
  externalIds: { source: string; externalId: string }[] = [],
): Promise<string> {
  const reply = await intake.rpc.request(CustomerWriteRpc.create, {
    caller: admin,
    customer: { name: '李四', phones, externalIds, ...(storeId ? { storeId } : {}) },
  });
  return reply.customer.id;
}

async function importCsv(who: Caller, kind: ImportKind, csv: string): Promise<ImportView> {
  const job = await uploadCsv(intake, who, kind, csv);
  expect(await intake.app.get(ImportRunner).runOnce()).toBe(job.id);
  return intake.rpc.request(ImportRpc.get, { caller: who, id: job.id });
}

async function contactsOf(customerId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM intake.customer_contacts WHERE customer_id = $1`,
    [customerId],
  );
  return row.n;
}

beforeAll(async () => {
  ({ db, intake, close } = await startIntakeWithDb('import_scope', { env: QUIET_INTAKE_JOBS }));
});

afterAll(() => close?.());

describe("a store-scoped importer (X1: the caller's stores)", () => {
  it("refuses rows matching another store's customer, field named, and joins its own and no-store ones", async () => {
    const [other, own, unowned] = [phone(), phone(), phone()];
    const otherId = await customer('s2', [other]);
    const ownId = await customer('s1', [own]);
    const unownedId = await customer(null, [unowned]);
    const csv = [
      'phone,email,storeId,consentMarketing',
      `${other},new.${seq}@example.com,s1,yes`,
      `${own},own.${seq}@example.com,s1,yes`,
      `${unowned},unowned.${seq}@example.com,s1,yes`,
    ].join('\n');
    const view = await importCsv(storeSupervisor, 'customers', `${csv}\n`);
    expect(view).toMatchObject({ status: 'done', created: 0, updated: 2, failed: 1 });
    const errors = await intake.rpc.request(ImportRpc.errors, { caller: storeSupervisor, id: view.id });
    expect(errors).toEqual([
      { line: 2, field: 'phone', message: 'belongs to a customer outside your stores' },
    ]);
    expect(JSON.stringify(errors)).not.toContain(otherId);
    // Nothing was added to the other store's customer: no contact, no consent, no audit row.
    expect(await contactsOf(otherId)).toBe(1);
    const [consent] = await db.query<{ consent_marketing: boolean | null }>(
      `SELECT consent_marketing FROM intake.customers WHERE id = $1`,
      [otherId],
    );
    expect(consent.consent_marketing).toBeNull();
    const [audited] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM intake.audit_log WHERE $1 = ANY(customer_ids) OR customer_id = $1::uuid
         AND action = 'customers.imported'`,
      [otherId],
    );
    expect(audited.n).toBe(0);
    expect(await contactsOf(ownId)).toBe(2);
    expect(await contactsOf(unownedId)).toBe(2);
  });

  it('refuses rows by external id the same way', async () => {
    const externalId = `X-${randomUUID()}`;
    const otherId = await customer('s2', [phone()], [{ source: 'crm', externalId }]);
    const view = await importCsv(
      storeSupervisor,
      'customers',
      `externalSource,externalId,phone,storeId\ncrm,${externalId},${phone()},s1\n`,
    );
    expect(view).toMatchObject({ status: 'done', created: 0, failed: 1 });
    expect(await intake.rpc.request(ImportRpc.errors, { caller: storeSupervisor, id: view.id })).toEqual([
      { line: 2, field: 'externalId', message: 'belongs to a customer outside your stores' },
    ]);
    expect(await contactsOf(otherId)).toBe(1);
  });

  it("refuses orders naming another store's customer, and records those of its own", async () => {
    const [other, own] = [phone(), phone()];
    await customer('s2', [other]);
    await customer('s1', [own]);
    const csv = [
      'externalOrderId,customerPhone,amountFen,storeId,orderedAt',
      `O-${randomUUID()},${other},1000,s1,2026-11-02 10:00`,
      `O-${randomUUID()},${own},1000,s1,2026-11-02 10:00`,
    ].join('\n');
    const view = await importCsv(storeSupervisor, 'orders', `${csv}\n`);
    expect(view).toMatchObject({ status: 'done', created: 1, failed: 1 });
    expect(await intake.rpc.request(ImportRpc.errors, { caller: storeSupervisor, id: view.id })).toEqual([
      { line: 2, field: 'customerExternalId', message: 'the customer is outside your stores' },
    ]);
  });
});

describe('a lookup racing an erasure or a merge (I5: never joins an erased or merged customer)', () => {
  let other: Client;

  beforeAll(async () => {
    other = new Client({ connectionString: db.url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
  });

  /** The writer on one staged batch (the looked-up path), in its own transaction. */
  async function writeBatch(csvRows: { phone: string; email: string }[]) {
    const cipher = intake.app.get(PiiCipher);
    const batch = prepareCustomerBatch(
      csvRows.map((row, i) => ({ line: i + 2, values: { phone: row.phone, email: row.email } })),
      cipher,
      { stores: null, timeZone: 'Asia/Shanghai', direct: null },
    );
    const writer = intake.app.get(CustomerImportWriter);
    return intake.dataSource.transaction((manager) =>
      writer.write(manager, batch, admin.userId, new Date(), null, { expectNew: false }),
    );
  }

  /** Runs `change` on the other connection, left open while `write` starts and waits for it; then commits. */
  async function racing<T>(change: string[], params: unknown[][], write: () => Promise<T>): Promise<unknown> {
    await other.query('BEGIN');
    for (const [i, sql] of change.entries()) await other.query(sql, params[i]);
    let ended = false;
    const outcome = write().then(
      (value) => ((ended = true), value),
      (error: unknown) => ((ended = true), error),
    );
    await pollUntil(
      async () =>
        ended ||
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        )[0].n > 0,
      (ready) => ready,
      { intervalMs: 20, what: 'the writer to wait for the open change' },
    );
    await other.query('COMMIT');
    return outcome;
  }

  // Also held before the lock (the erasure deletes the contacts, so the insert count came short); kept as
  // the guard of the path.
  it('an erasure committed under the lookup: the batch is run again and makes a new customer', async () => {
    const p = phone();
    const erasedId = await customer('s1', [p]);
    const email = `after.erasure.${seq}@example.com`;
    const outcome = await racing(
      [
        `SELECT id FROM intake.customers WHERE id = $1 FOR UPDATE`,
        `DELETE FROM intake.customer_contacts WHERE customer_id = $1`,
        `UPDATE intake.customers SET erased_at = now(), name_enc = NULL, name_hash = NULL WHERE id = $1`,
      ],
      [[erasedId], [erasedId], [erasedId]],
      () => writeBatch([{ phone: p, email }]),
    );
    expect(outcome).toBeInstanceOf(BatchRaceError);
    expect(await contactsOf(erasedId)).toBe(0);
    // Run again (as the runner does): the phone is free now, so the row is a new customer.
    const again = await writeBatch([{ phone: p, email }]);
    expect(again.created).toHaveLength(1);
    expect(again.created[0]).not.toBe(erasedId);
    expect(await contactsOf(again.created[0])).toBe(2);
    expect(await contactsOf(erasedId)).toBe(0);
  });

  it('an erasure committed under an order lookup: the order is refused, not recorded for the erased customer', async () => {
    const p = phone();
    const erasedId = await customer('s1', [p]);
    const csv = `externalOrderId,customerPhone,amountFen,storeId,orderedAt\nO-${randomUUID()},${p},1000,s1,2026-11-02 10:00\n`;
    const view = (await racing(
      [
        `SELECT id FROM intake.customers WHERE id = $1 FOR UPDATE`,
        `DELETE FROM intake.customer_contacts WHERE customer_id = $1`,
        `UPDATE intake.customers SET erased_at = now(), name_enc = NULL, name_hash = NULL WHERE id = $1`,
      ],
      [[erasedId], [erasedId], [erasedId]],
      () => importCsv(admin, 'orders', csv),
    )) as ImportView;
    expect(view).toMatchObject({ status: 'done', created: 0, failed: 1 });
    const [orders] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM intake.orders WHERE customer_id = $1`,
      [erasedId],
    );
    expect(orders.n).toBe(0);
  });

  it('a merge committed under the lookup: the batch is run again and joins the survivor', async () => {
    const [p, q] = [phone(), phone()];
    const duplicateId = await customer('s1', [p]);
    const survivorId = await customer('s1', [q]);
    const email = `after.merge.${seq}@example.com`;
    const outcome = await racing(
      [
        `SELECT id FROM intake.customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        `UPDATE intake.customer_contacts SET customer_id = $2 WHERE customer_id = $1`,
        `UPDATE intake.customers SET merged_into = $2, merged_at = now() WHERE id = $1`,
      ],
      [[[duplicateId, survivorId]], [duplicateId, survivorId], [duplicateId, survivorId]],
      () => writeBatch([{ phone: p, email }]),
    );
    expect(outcome).toBeInstanceOf(BatchRaceError);
    expect(await contactsOf(duplicateId)).toBe(0);
    const again = await writeBatch([{ phone: p, email }]);
    expect(again).toMatchObject({ created: [], updated: [survivorId] });
    expect(await contactsOf(survivorId)).toBe(3);
    expect(await contactsOf(duplicateId)).toBe(0);
  });
});
