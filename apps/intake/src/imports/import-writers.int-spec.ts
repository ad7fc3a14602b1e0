/**
 * Several writers (decision 0012) against real Postgres: batches of 100 written two at a time, where each
 * batch shares its phones with the batch written beside it, store exactly what one writer would (rows that
 * share a key are one customer, whichever batch commits first); the commits may come out of order, yet the
 * checkpoint is the contiguous committed prefix, and a resumed import skips every committed range.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ImportRpc, IMPORT_CHUNK_BYTES, type Caller, type ImportView } from '@closeloop/contracts';
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
import { CustomerImportWriter } from './customer-import.writer';
import { ImportRunner } from './import.runner';

jest.setTimeout(120_000);

let db: TestDatabase;
let prefix: string;
let intake: InProcessService;
const supervisor: Caller = { userId: randomUUID(), roles: ['supervisor'], departments: [], stores: [] };

beforeAll(async () => {
  db = await createTestDatabase('import_writers');
  prefix = testPrefix();
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: {
      JOB_POLL_SECONDS: '3600',
      IMPORT_POLL_SECONDS: '0',
      IMPORT_BATCH_ROWS: '100',
      IMPORT_WRITERS: '2',
    },
  });
});

afterAll(async () => {
  await intake?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

async function upload(file: Buffer): Promise<string> {
  const job = await intake.rpc.request(ImportRpc.begin, {
    caller: supervisor,
    kind: 'customers',
    format: 'csv',
  });
  let seq = 0;
  for (let offset = 0; offset < file.length; offset += IMPORT_CHUNK_BYTES) {
    const data = file.subarray(offset, offset + IMPORT_CHUNK_BYTES).toString('base64');
    await intake.rpc.request(ImportRpc.chunk, { caller: supervisor, id: job.id, seq: seq++, data });
  }
  const sha256 = createHash('sha256').update(file).digest('hex');
  await intake.rpc.request(ImportRpc.commit, { caller: supervisor, id: job.id, chunks: seq, sha256 });
  return job.id;
}

async function run(id: string): Promise<ImportView> {
  expect(await intake.app.get(ImportRunner).runOnce()).toBe(id);
  return intake.rpc.request(ImportRpc.get, { caller: supervisor, id });
}

/**
 * 1,000 rows in batches of 100 (lines 2-101, 102-201, ...); batches 2k and 2k+1 are twins: data row j and
 * j + 100 share a phone (one person, two CRM ids and two e-mails).
 */
function twinsCsv(run: string): Buffer {
  const lines = ['externalSource,externalId,phone,email'];
  for (let j = 0; j < 1000; j++) {
    const person = Math.floor(j / 200) * 100 + (j % 100);
    lines.push(`crm,T${run}-${j},137${run}${String(person).padStart(4, '0')},t${j}.${run}@example.com`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  return (await db.query<T & object>(sql, params))[0];
}

describe('customer import with two writers', () => {
  it('stores twins in neighbouring batches as one customer each, as one writer would', async () => {
    const writer = intake.app.get(CustomerImportWriter);
    const staged = jest.spyOn(writer, 'write');
    const direct = jest.spyOn(writer, 'writeDirect');
    const id = await upload(twinsCsv('4321'));
    const done = await run(id);
    expect(done).toMatchObject({ status: 'done', rowsRead: 1000, created: 500, updated: 500, failed: 0 });
    // Each person: one customer with its phone, both CRM ids and both e-mails; no customer is left without
    // a contact (an attempt that lost a race was rolled back whole).
    expect(
      await one(
        `SELECT (SELECT count(*)::int FROM intake.customers) AS customers,
           (SELECT count(*)::int FROM intake.customer_external_ids WHERE external_id LIKE 'T4321-%') AS ids,
           (SELECT count(*)::int FROM intake.customer_contacts WHERE kind = 'phone') AS phones,
           (SELECT count(*)::int FROM intake.customer_contacts WHERE kind = 'email') AS emails,
           (SELECT count(*)::int FROM intake.customers c WHERE NOT EXISTS
              (SELECT 1 FROM intake.customer_contacts x WHERE x.customer_id = c.id)) AS orphans,
           (SELECT count(*)::int FROM (SELECT customer_id FROM intake.customer_external_ids
              GROUP BY customer_id HAVING count(*) = 2) t) AS twins`,
      ),
    ).toEqual({ customers: 500, ids: 1000, phones: 500, emails: 1000, orphans: 0, twins: 500 });
    // One audit row per batch, and every customer audited by the batch that created it or added to it.
    const audit = await db.query<{ customer_ids: string[] }>(
      `SELECT customer_ids FROM intake.audit_log WHERE import_id = $1`,
      [id],
    );
    expect(audit).toHaveLength(10);
    expect(new Set(audit.flatMap((row) => row.customer_ids)).size).toBe(500);
    expect(
      await one(`SELECT checkpoint_line, committed_lines::text FROM intake.imports WHERE id = $1`, [id]),
    ).toEqual({ checkpoint_line: 1001, committed_lines: '{[1,1002)}' });
    // Every batch was written: the first straight into the tables, its twin (which met its keys) staged; a
    // batch that lost a race to its twin ran again (BatchRaceError: more calls).
    expect(direct).toHaveBeenCalled();
    expect(staged.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(direct.mock.calls.length + staged.mock.calls.length).toBeGreaterThanOrEqual(10);
    staged.mockRestore();
    direct.mockRestore();

    const again = await run(await upload(twinsCsv('4321')));
    // Counted per batch, as with one writer: each person is unchanged in both twin batches.
    expect(again).toMatchObject({ status: 'done', created: 0, updated: 0, unchanged: 1000, failed: 0 });
    expect(await one(`SELECT count(*)::int AS n FROM intake.customers`)).toEqual({ n: 500 });
  });

  it('resumes after every committed range when batches committed out of order', async () => {
    const file = twinsCsv('8765');
    const id = await upload(file);
    // As if a runner had committed lines 2-201 and 402-501 (out of order) and died.
    await db.query(
      `UPDATE intake.imports SET status = 'running', checkpoint_line = 201,
         committed_lines = '{[1,202),[402,502)}', rows_read = 300, created = 300,
         lease_until = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const done = await run(id);
    expect(done).toMatchObject({ status: 'done', rowsRead: 1000, failed: 0 });
    expect(
      await one(`SELECT checkpoint_line, committed_lines::text FROM intake.imports WHERE id = $1`, [id]),
    ).toEqual({ checkpoint_line: 1001, committed_lines: '{[1,1002)}' });
    // Only the lines outside the committed ranges were written by this run: 700 of the 1,000 CRM ids.
    expect(
      await one(
        `SELECT count(*)::int AS n FROM intake.customer_external_ids WHERE external_id LIKE 'T8765-%'`,
      ),
    ).toEqual({ n: 700 });
    const lines = await db.query<{ external_id: string }>(
      `SELECT external_id FROM intake.customer_external_ids WHERE external_id IN ('T8765-0', 'T8765-399',
         'T8765-400', 'T8765-499', 'T8765-500')`,
    );
    expect(lines.map((row) => row.external_id).sort()).toEqual(['T8765-399', 'T8765-500']);
  });
});
