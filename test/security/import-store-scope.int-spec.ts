/**
 * Issue 14 point 8 (X1): an import runs with its importer's store scope. A supervisor of store s1 cannot
 * put customers into store s2, nor add contacts, consents or orders to a customer of s2 by naming its
 * phone: such rows are refused as row errors naming the field, never the customer, and the customer of s2
 * is left exactly as it was (docs/imports.md).
 */
import { randomUUID } from 'node:crypto';
import { CustomerWriteRpc, ImportRpc, type Caller, type ImportKind } from '@closeloop/contracts';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import { ImportRunner } from '../../apps/intake/src/imports/import.runner';
import {
  QUIET_INTAKE_JOBS,
  startIntakeWithDb,
  uploadCsv,
} from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(120_000);

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;
const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };
const s1Supervisor: Caller = { userId: randomUUID(), roles: ['supervisor'], departments: [], stores: ['s1'] };

async function importCsv(kind: ImportKind, csv: string) {
  const job = await uploadCsv(intake, s1Supervisor, kind, csv);
  expect(await intake.app.get(ImportRunner).runOnce()).toBe(job.id);
  const view = await intake.rpc.request(ImportRpc.get, { caller: s1Supervisor, id: job.id });
  const errors = await intake.rpc.request(ImportRpc.errors, { caller: s1Supervisor, id: job.id });
  return { view, errors };
}

/** What an import could have changed on a customer: its row, contacts, external ids, orders, audit. */
async function footprint(customerId: string): Promise<unknown> {
  return db.query(
    `SELECT c.*, (SELECT count(*) FROM intake.customer_contacts WHERE customer_id = c.id) AS contacts,
       (SELECT count(*) FROM intake.customer_external_ids WHERE customer_id = c.id) AS external_ids,
       (SELECT count(*) FROM intake.orders WHERE customer_id = c.id) AS orders,
       (SELECT count(*) FROM intake.audit_log WHERE c.id = ANY(customer_ids) OR customer_id = c.id) AS audits
     FROM intake.customers c WHERE c.id = $1`,
    [customerId],
  );
}

beforeAll(async () => {
  ({ db, intake, close } = await startIntakeWithDb('sec_import_scope', { env: QUIET_INTAKE_JOBS }));
});

afterAll(() => close?.());

it("refuses a store-scoped import's rows that reach into another store, and changes nothing there", async () => {
  const phone = '13512340001';
  const { customer } = await intake.rpc.request(CustomerWriteRpc.create, {
    caller: admin,
    customer: { name: '冯十二', phones: [phone], storeId: 's2' },
  });
  const before = await footprint(customer.id);

  const customers = await importCsv(
    'customers',
    [
      'name,phone,email,storeId,consentMarketing',
      `冯十二,${phone},feng@example.com,s1,yes`, // another store's customer, by phone
      `冯十三,13512340002,,s2,yes`, // into another store
      `冯十四,13512340003,,s1,yes`, // own store: fine
    ].join('\n') + '\n',
  );
  expect(customers.view).toMatchObject({ status: 'done', created: 1, updated: 0, failed: 2 });
  expect(customers.errors).toEqual([
    { line: 2, field: 'phone', message: 'belongs to a customer outside your stores' },
    { line: 3, field: 'storeId', message: 'is not one of your stores' },
  ]);

  const orders = await importCsv(
    'orders',
    `externalOrderId,customerPhone,amountFen,storeId,orderedAt\nO-1,${phone},1000,s1,2026-11-02 10:00\n`,
  );
  expect(orders.view).toMatchObject({ status: 'done', created: 0, failed: 1 });
  expect(orders.errors).toEqual([
    { line: 2, field: 'customerExternalId', message: 'the customer is outside your stores' },
  ]);

  const report = JSON.stringify([customers.errors, orders.errors]);
  expect(report).not.toContain(customer.id);
  expect(report).not.toContain(phone);
  expect(await footprint(customer.id)).toEqual(before);
});
