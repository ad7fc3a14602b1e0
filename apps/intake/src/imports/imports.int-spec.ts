/**
 * Bulk imports against real Postgres and JetStream: 1,000 customer rows with 3 bad ones store 997 and report
 * the 3 lines; the same file again adds nothing; xlsx reads like csv; orders name their customers; a resumed
 * import starts after its checkpoint; the stored file is encrypted and deleted when done.
 */
import { createHash, randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import {
  CustomerRpc,
  IMPORT_CHUNK_BYTES,
  ImportRpc,
  type Caller,
  type ImportFormat,
  type ImportKind,
  type ImportView,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  PartnerConsumer,
  pollUntil,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeModule } from '../intake.module';
import { IntakeEnv } from '../intake.env';
import { ImportRunner } from './import.runner';

jest.setTimeout(120_000);

let db: TestDatabase;
let prefix: string;
let intake: InProcessService;
const supervisor: Caller = { userId: randomUUID(), roles: ['supervisor'], departments: [], stores: [] };
const agent: Caller = { ...supervisor, userId: randomUUID(), roles: ['agent'] };
const admin: Caller = { ...supervisor, userId: randomUUID(), roles: ['admin'] };
let imported: PartnerConsumer;
let segmentChanged: PartnerConsumer;

/** Uploads through the RPCs the gateway and the CLI use (begin, chunks, commit); the import's id. */
async function upload(
  service: InProcessService,
  kind: ImportKind,
  format: ImportFormat,
  file: Buffer,
): Promise<string> {
  const job = await service.rpc.request(ImportRpc.begin, {
    caller: supervisor,
    kind,
    format,
    fileName: `test.${format}`,
  });
  let seq = 0;
  for (let offset = 0; offset < file.length || seq === 0; offset += IMPORT_CHUNK_BYTES) {
    const data = file.subarray(offset, offset + IMPORT_CHUNK_BYTES).toString('base64');
    await service.rpc.request(ImportRpc.chunk, { caller: supervisor, id: job.id, seq: seq++, data });
  }
  const sha256 = createHash('sha256').update(file).digest('hex');
  await service.rpc.request(ImportRpc.commit, { caller: supervisor, id: job.id, chunks: seq, sha256 });
  return job.id;
}

/** Uploads, then runs the import to its end here (this replica does not poll: IMPORT_POLL_SECONDS=0). */
async function importFile(kind: ImportKind, format: ImportFormat, file: Buffer): Promise<ImportView> {
  const id = await upload(intake, kind, format, file);
  expect(await intake.app.get(ImportRunner).runOnce()).toBe(id);
  return intake.rpc.request(ImportRpc.get, { caller: supervisor, id });
}

const BAD_LINES = [101, 502, 903];

/** 1,000 customers; lines 101, 502 and 903 (data rows 100, 501, 902) are bad in three different ways. */
function customersCsv(run: string): Buffer {
  const lines = ['externalSource,externalId,name,phone,email,storeId,consentCallbacks'];
  for (let i = 1; i <= 1000; i++) {
    const line = i + 1;
    const phone = line === 502 ? '12345' : `137${run}${String(i).padStart(4, '0')}`;
    const email = line === 903 ? 'not-an-email' : `c${i}.${run}@example.com`;
    const id = line === 101 ? '' : `C${run}-${i}`;
    const contacts = line === 101 ? ['', ''] : [phone, email];
    lines.push(['crm', id, `客户${i}`, ...contacts, 'store-1', i % 2 ? 'yes' : 'no'].join(','));
  }
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** Customers with a callbacks consent recorded (X1 consents are columns of the customer). */
async function consentCount(): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM intake.customers WHERE consent_callbacks IS NOT NULL`,
  );
  return row.n;
}

async function count(table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM intake.${table}`);
  return row.n;
}

beforeAll(async () => {
  db = await createTestDatabase('imports');
  prefix = testPrefix();
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { JOB_POLL_SECONDS: '3600', IMPORT_POLL_SECONDS: '0' },
  });
  imported = await PartnerConsumer.start(prefix, 'partner-imported', 'customer.imported.v1');
  segmentChanged = await PartnerConsumer.start(prefix, 'partner-segments', 'customer.segment-changed.v1');
});

afterAll(async () => {
  await imported?.stop();
  await segmentChanged?.stop();
  await intake?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

describe('customer import', () => {
  it('stores 997 of 1,000 rows, reports the 3 bad lines, and a second run adds nothing', async () => {
    const file = customersCsv('1234');
    const first = await importFile('customers', 'csv', file);
    expect(first).toMatchObject({
      status: 'done',
      rowsRead: 1000,
      created: 997,
      updated: 0,
      unchanged: 0,
      failed: 3,
    });
    const errors = await intake.rpc.request(ImportRpc.errors, { caller: supervisor, id: first.id });
    expect(errors).toEqual([
      {
        line: 101,
        field: 'externalId',
        message: expect.stringContaining('needs an externalId, a phone or an e-mail'),
      },
      { line: 502, field: 'phone', message: 'is not a valid phone number' },
      { line: 903, field: 'email', message: 'is not an e-mail address' },
    ]);
    expect(errors.map((e) => e.line)).toEqual(BAD_LINES);
    const snapshot = {
      customers: await count('customers'),
      contacts: await count('customer_contacts'),
      externalIds: await count('customer_external_ids'),
      consents: await consentCount(),
      outbox: await count('outbox'),
    };
    expect(snapshot).toMatchObject({ customers: 997, contacts: 1994, externalIds: 997, consents: 997 });
    // Decision 0010: the batch (all 1,000 rows fit one) has ONE audit row listing every customer it created
    // (X2) and ONE customer.imported.v1 giving each its initial G1 segment, new.
    const customerIds = (
      await db.query<{ id: string }>(`SELECT id FROM intake.customers WHERE segment = 'new' ORDER BY id`)
    ).map((row) => row.id);
    expect(customerIds).toHaveLength(997);
    const audit = await db.query<Record<string, unknown>>(`SELECT * FROM intake.audit_log`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'customers.imported',
      actor: supervisor.userId,
      customer_id: null,
      import_id: first.id,
      reason: `import ${first.id}`,
      fields: ['name', 'phone', 'email', 'externalId', 'storeId', 'consents'],
    });
    expect([...(audit[0].customer_ids as string[])].sort()).toEqual(customerIds);
    expect(snapshot.outbox).toBe(1);
    const events = await pollUntil(
      async () => imported.events,
      (seen) => seen.length >= 1,
      { what: 'customer.imported.v1 on the stream' },
    );
    expect(events).toHaveLength(1);
    expect(events[0].data).toEqual({
      importId: first.id,
      segment: 'new',
      customerIds: expect.any(Array),
      importedAt: expect.any(String),
    });
    expect([...(events[0].data.customerIds as string[])].sort()).toEqual(customerIds);
    expect(JSON.stringify(events)).not.toMatch(/1371234\d{4}|@example\.com|客户/);
    expect(JSON.stringify(audit)).not.toMatch(/1371234\d{4}|@example\.com|客户/);
    expect(segmentChanged.events).toEqual([]); // imported customers are announced by the batch event only
    // X2: the admin's audit query for one customer finds the import that created it.
    const someone = customerIds[42];
    const page = await intake.rpc.request(CustomerRpc.listAudit, { caller: admin, customerId: someone });
    expect(page.items).toEqual([
      expect.objectContaining({
        action: 'customers.imported',
        customerId: someone,
        actor: supervisor.userId,
        reason: `import ${first.id}`,
      }),
    ]);
    // Nothing of the file stays in clear, and the file itself is gone once done.
    expect(await count('import_chunks')).toBe(0);
    const raw = JSON.stringify(await db.query('SELECT * FROM intake.customer_contacts LIMIT 50'));
    expect(raw).not.toMatch(/1371234\d{4}|@example\.com/);

    const second = await importFile('customers', 'csv', file);
    expect(second).toMatchObject({ status: 'done', created: 0, updated: 0, unchanged: 997, failed: 3 });
    expect({
      customers: await count('customers'),
      contacts: await count('customer_contacts'),
      externalIds: await count('customer_external_ids'),
      consents: await consentCount(),
      outbox: await count('outbox'),
    }).toEqual(snapshot);
    expect(await count('audit_log')).toBe(1); // the re-run changed nothing: nothing to audit, no event
  });

  it('reads xlsx like csv, Chinese headers included, and joins rows to known customers', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('客户');
    sheet.addRow(['外部编号', '姓名', '手机', '邮箱']);
    sheet.addRow(['X-1', '王小明', 13912340001, 'wang@example.cn']);
    sheet.addRow(['X-2', '李雷', '139-1234-0002', '']);
    // Known from the csv above (its phone): gets the new external id, nothing else changes.
    sheet.addRow(['X-3', '客户7', '13712340007', '']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    const result = await importFile('customers', 'xlsx', file);
    expect(result).toMatchObject({
      status: 'done',
      rowsRead: 3,
      created: 2,
      updated: 1,
      unchanged: 0,
      failed: 0,
    });
    // X2: the known customer the file added an external id to is found by the audit query too.
    const [known] = await db.query<{ customer_id: string }>(
      `SELECT customer_id FROM intake.customer_external_ids WHERE external_id = 'X-3'`,
    );
    const page = await intake.rpc.request(CustomerRpc.listAudit, {
      caller: admin,
      customerId: known.customer_id,
    });
    expect(page.items.map((item) => item.reason)).toEqual([`import ${result.id}`, expect.any(String)]);
    const rows = await db.query<{ customer_ids: string[] }>(
      `SELECT customer_ids FROM intake.audit_log WHERE import_id = $1`,
      [result.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].customer_ids).toHaveLength(3); // two created, one added to
    expect(rows[0].customer_ids).toContain(known.customer_id);
  });

  it('makes rows of one file that share a key one customer, and refuses a row joining two', async () => {
    const file = Buffer.from(
      [
        'externalId,phone,email',
        'D-1,13755550001,',
        'D-2,13755550001,d2@example.org', // the phone of D-1: the same customer, gains an id and an e-mail
        ',13755550002,',
        'D-1,13755550002,', // D-1's id and the line above's phone: two customers
      ].join('\n'),
    );
    const result = await importFile('customers', 'csv', file);
    expect(result).toMatchObject({ status: 'done', created: 2, updated: 0, unchanged: 0, failed: 1 });
    const errors = await intake.rpc.request(ImportRpc.errors, { caller: supervisor, id: result.id });
    expect(errors).toEqual([
      { line: 5, field: 'phone', message: expect.stringContaining('two different customers') },
    ]);
    const owners = await db.query<{ n: number }>(
      `SELECT count(DISTINCT customer_id)::int AS n FROM intake.customer_external_ids
       WHERE external_id IN ('D-1', 'D-2')`,
    );
    expect(owners[0].n).toBe(1);
  });

  it('records consents on the customer: a dated answer replaces an older one, an undated one only fills', async () => {
    const file = (rows: string[]) =>
      Buffer.from(['externalId,phone,consentCallbacks,consentMarketing,consentAt', ...rows].join('\n'));
    const consents = async () =>
      (
        await db.query<Record<string, unknown>>(
          `SELECT c.consent_callbacks, c.consent_callbacks_at, c.consent_callbacks_channel, c.consent_marketing
           FROM intake.customers c JOIN intake.customer_external_ids e ON e.customer_id = c.id
           WHERE e.external_id = 'K-1'`,
        )
      )[0];
    await importFile('customers', 'csv', file(['K-1,13755560001,yes,,2026-01-01T00:00:00Z']));
    expect(await consents()).toMatchObject({
      consent_callbacks: true,
      consent_callbacks_at: new Date('2026-01-01T00:00:00Z'),
      consent_callbacks_channel: 'import',
      consent_marketing: null,
    });
    // Later, dated: replaces. Then an older dated answer, and an undated one: change nothing of callbacks;
    // the undated marketing answer is recorded, as none was.
    await importFile('customers', 'csv', file(['K-1,,no,,2026-06-01T00:00:00Z']));
    await importFile('customers', 'csv', file(['K-1,,yes,,2025-01-01T00:00:00Z']));
    await importFile('customers', 'csv', file(['K-1,,yes,yes,']));
    expect(await consents()).toMatchObject({
      consent_callbacks: false,
      consent_callbacks_at: new Date('2026-06-01T00:00:00Z'),
      consent_marketing: true,
    });
    const customer = await intake.rpc.request(CustomerRpc.get, {
      caller: admin,
      id: (
        await db.query<{ customer_id: string }>(
          `SELECT customer_id FROM intake.customer_external_ids WHERE external_id = 'K-1'`,
        )
      )[0].customer_id,
    });
    expect(customer.consents.map((c) => [c.purpose, c.granted])).toEqual([
      ['callbacks', false],
      ['marketing', true],
    ]);
  });

  it('fails a file with an unknown column before storing anything', async () => {
    const before = await count('customers');
    const result = await importFile('customers', 'csv', Buffer.from('name,favouriteColour\n张三,red\n'));
    expect(result).toMatchObject({ status: 'failed', error: expect.stringContaining('favouriteColour') });
    expect(await count('customers')).toBe(before);
  });

  it('fails a file with a quote never closed, storing none of its rows', async () => {
    const before = await count('customers');
    const result = await importFile(
      'customers',
      'csv',
      Buffer.from('externalId,name\nQ-1,张三\nQ-2,"李四\nQ-3,王五\n'),
    );
    expect(result).toMatchObject({ status: 'failed', error: expect.stringContaining('not a readable csv') });
    expect(await count('customers')).toBe(before);
  });

  it('resumes a dead runner’s import after its checkpoint', async () => {
    const file = customersCsv('5678');
    const job = await intake.rpc.request(ImportRpc.begin, {
      caller: supervisor,
      kind: 'customers',
      format: 'csv',
    });
    await intake.rpc.request(ImportRpc.chunk, {
      caller: supervisor,
      id: job.id,
      seq: 0,
      data: file.toString('base64'),
    });
    const sha256 = createHash('sha256').update(file).digest('hex');
    await intake.rpc.request(ImportRpc.commit, { caller: supervisor, id: job.id, chunks: 1, sha256 });
    // As if a runner had committed up to line 501 and died: running, lease expired.
    await db.query(
      `UPDATE intake.imports SET status = 'running', checkpoint_line = 501, rows_read = 500, created = 499,
         failed = 1, lease_until = now() - interval '1 second' WHERE id = $1`,
      [job.id],
    );
    expect(await intake.app.get(ImportRunner).runOnce()).toBe(job.id);
    const done = await intake.rpc.request(ImportRpc.get, { caller: supervisor, id: job.id });
    expect(done).toMatchObject({ status: 'done', rowsRead: 1000, created: 499 + 498, failed: 3 });
    const mine = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM intake.customer_external_ids WHERE external_id LIKE 'C5678-%'`,
    );
    expect(mine[0].n).toBe(498); // only the rows after the checkpoint were written by this run
  });

  it('is for supervisors and admins, and only its creator (or an admin) sees it', async () => {
    await expect(
      intake.rpc.request(ImportRpc.begin, { caller: agent, kind: 'customers', format: 'csv' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const job = await intake.rpc.request(ImportRpc.begin, {
      caller: supervisor,
      kind: 'orders',
      format: 'csv',
    });
    const other: Caller = { ...supervisor, userId: randomUUID() };
    await expect(intake.rpc.request(ImportRpc.get, { caller: other, id: job.id })).rejects.toMatchObject({
      code: 'IMPORT.NOT_FOUND',
    });
  });
});

describe('order import', () => {
  it('records orders for customers named by external id or phone, once', async () => {
    const csv = [
      'externalOrderId,customerExternalSource,customerExternalId,customerPhone,amountYuan,productLine,orderedAt',
      'SO-1,crm,C1234-2,,1299.00,water-heater,2026-11-02 10:30',
      'SO-2,,,137-1234-0003,88.5,filter,2026-11-03',
      'SO-3,crm,NO-SUCH,,10,filter,2026-11-03',
      'SO-4,crm,C1234-4,,abc,filter,2026-11-03',
    ].join('\n');
    const first = await importFile('orders', 'csv', Buffer.from(csv));
    expect(first).toMatchObject({ status: 'done', created: 2, failed: 2 });
    const errors = await intake.rpc.request(ImportRpc.errors, { caller: supervisor, id: first.id });
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [4, 'customerExternalId'],
      [5, 'amountYuan'],
    ]);
    const orders = await db.query<{ amount_fen: string; ordered_at: Date }>(
      `SELECT amount_fen, ordered_at FROM intake.orders WHERE external_order_id IN ('SO-1', 'SO-2') ORDER BY 1 DESC`,
    );
    expect(orders.map((o) => [Number(o.amount_fen), o.ordered_at.toISOString()])).toEqual([
      [129_900, '2026-11-02T02:30:00.000Z'], // 10:30 in Shanghai
      [8_850, '2026-11-02T16:00:00.000Z'],
    ]);
    const again = await importFile('orders', 'csv', Buffer.from(csv));
    expect(again).toMatchObject({ created: 0, unchanged: 2, failed: 2 });
  });
});

describe('starting an import', () => {
  it('runs a committed upload at once on the replica that took it, not at its next poll', async () => {
    // A replica of its own (own subject prefix) that polls only every hour: only the commit's kick can
    // start the import within the wait below.
    const ownPrefix = testPrefix();
    const replica = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
      databaseUrl: db.url,
      prefix: ownPrefix,
      env: { JOB_POLL_SECONDS: '3600', IMPORT_POLL_SECONDS: '3600' },
    });
    try {
      const file = Buffer.from('externalSource,externalId,name,phone\ncrm,KICK-1,客户,13755550001\n', 'utf8');
      const id = await upload(replica, 'customers', 'csv', file);
      const done = await pollUntil(
        () => replica.rpc.request(ImportRpc.get, { caller: supervisor, id }),
        (view) => view.status === 'done',
        { what: 'the import to be done without a poll', timeoutMs: 10_000 },
      );
      expect(done).toMatchObject({ status: 'done' });
    } finally {
      await replica.close();
      await deleteTestStream(ownPrefix);
    }
  });
});
