/**
 * X1 retention against real Postgres and JetStream: the nightly purge (once across replicas, through the
 * scheduler) redacts old feedback text, deletes old audit rows and finished imports, and erases customers
 * silent longer than the configured period, like an erasure on request.
 */
import { randomUUID } from 'node:crypto';
import { CustomerWriteRpc, IntakeRpc, IntakeSettingsRpc, type Caller } from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeModule } from '../intake.module';
import { IntakeEnv } from '../intake.env';
import { REDACTED } from '../customers/customer.repository';
import { JobScheduler } from '@closeloop/scheduling';

jest.setTimeout(90_000);

let db: TestDatabase;
let prefix: string;
let intake: InProcessService;
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };
const admin: Caller = { ...agent, userId: randomUUID(), roles: ['admin'] };

beforeAll(async () => {
  db = await createTestDatabase('retention');
  prefix = testPrefix();
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { JOB_POLL_SECONDS: '3600', IMPORT_POLL_SECONDS: '0' },
  });
});

afterAll(async () => {
  await intake?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

it('purges what is older than the retention settings, once, and leaves the rest', async () => {
  const old = await intake.rpc.request(IntakeRpc.submitFeedback, {
    caller: agent,
    feedback: {
      channel: 'hotline',
      customer: { phone: '13600001111' },
      type: 'complaint',
      description: '我是张三，电话13600001111',
      request: '退款',
    },
  });
  const recent = await intake.rpc.request(IntakeRpc.submitFeedback, {
    caller: agent,
    feedback: {
      channel: 'hotline',
      customer: { phone: '13600002222' },
      type: 'care',
      description: '新的反馈',
    },
  });
  const silent = await intake.rpc.request(CustomerWriteRpc.create, {
    caller: agent,
    customer: { name: '沉默', phones: ['13600003333'] },
  });
  await db.query(`UPDATE intake.feedback SET received_at = now() - interval '800 days' WHERE id = $1`, [
    old.id,
  ]);
  await db.query(`UPDATE intake.customers SET updated_at = now() - interval '500 days' WHERE id = $1`, [
    silent.customer.id,
  ]);
  await db.query(`UPDATE intake.audit_log SET at = now() - interval '2000 days' WHERE customer_id = $1`, [
    silent.customer.id,
  ]);
  const retention = await intake.rpc.request(IntakeSettingsRpc.get, { caller: admin, key: 'retention' });
  expect(retention.value).toEqual({
    feedbackTextDays: 730,
    auditLogDays: 1825,
    importFilesDays: 7,
    inactiveCustomerDays: 0,
  });
  await intake.rpc.request(IntakeSettingsRpc.put, {
    caller: admin,
    key: 'retention',
    ifMatch: retention.etag,
    value: { ...retention.value, inactiveCustomerDays: 400 },
  });

  await db.query(
    `UPDATE intake.scheduled_jobs SET next_run_at = now() - interval '1 second' WHERE name = 'retention-purge'`,
  );
  expect(await intake.app.get(JobScheduler).tick('retention-purge')).toEqual(['retention-purge']);

  const texts = await db.query<{ id: string; description: string; customer_request: string | null }>(
    `SELECT id, description, customer_request FROM intake.feedback WHERE id = ANY($1)`,
    [[old.id, recent.id]],
  );
  expect(texts.find((t) => t.id === old.id)).toMatchObject({ description: REDACTED, customer_request: null });
  expect(texts.find((t) => t.id === recent.id)).toMatchObject({ description: '新的反馈' });
  // The silent customer is erased (its old audit row purged, a new one for the erasure), the others are not.
  const [row] = await db.query<{ erased_at: Date | null; name_enc: string | null }>(
    `SELECT erased_at, name_enc FROM intake.customers WHERE id = $1`,
    [silent.customer.id],
  );
  expect(row.erased_at).not.toBeNull();
  expect(row.name_enc).toBeNull();
  const audit = await db.query<{ action: string; actor: string | null }>(
    `SELECT action, actor FROM intake.audit_log WHERE customer_id = $1`,
    [silent.customer.id],
  );
  expect(audit).toEqual([{ action: 'customer.erased', actor: null }]);
  const erasedEvents = await db.query(
    `SELECT 1 FROM intake.outbox WHERE event_type = 'customer.erased.v1' AND envelope->'data'->>'customerId' = $1`,
    [silent.customer.id],
  );
  expect(erasedEvents).toHaveLength(1);
  const live = await db.query(`SELECT 1 FROM intake.customers WHERE erased_at IS NULL AND id = ANY($1)`, [
    [old.customerId, recent.customerId],
  ]);
  expect(live).toHaveLength(2);
});
