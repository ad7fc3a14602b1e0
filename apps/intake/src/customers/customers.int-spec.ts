/**
 * intake's customer record against real Postgres and JetStream: masking by role and reason (X1), the audit
 * row committing with the read or change it records (X2), erasure, and PII key rotation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CustomerRpc,
  DomainError,
  IntakeRpc,
  type Caller,
  type Role,
  type SubmitFeedbackReply,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeModule } from '../intake.module';
import { DEV_PII_HMAC_KEY, IntakeEnv } from '../intake.env';
import { PiiCipher } from './pii-cipher';
import { rehashPii, UnknownHashError } from './pii-rehash';
import { rotatePii } from './pii-rotation';

jest.setTimeout(90_000);

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
const KEYS = `old:${OLD_KEY},new:${NEW_KEY}`;
const hmac = Buffer.from(DEV_PII_HMAC_KEY, 'base64');

let db: TestDatabase;
let prefix: string;
let intake: InProcessService;

const caller = (role: Role): Caller => ({ userId: randomUUID(), roles: [role], departments: [], stores: [] });
const agent = caller('agent');
const supervisor = caller('supervisor');
const admin = caller('admin');

let seq = 0;
async function newCustomer(service = intake): Promise<{ id: string; phone: string; email: string }> {
  seq += 1;
  const phone = `1371234${String(1000 + seq).slice(-4)}`;
  const email = `person.${seq}.${randomUUID().slice(0, 8)}@example.com`;
  const reply: SubmitFeedbackReply = await service.rpc.request(IntakeRpc.submitFeedback, {
    caller: agent,
    feedback: {
      channel: 'hotline',
      customer: { name: '张三丰', phone, email, externalId: `crm-${randomUUID()}` },
      type: 'consultation',
      description: '咨询保修',
    },
  });
  return { id: reply.customerId!, phone, email };
}

async function auditRows(customerId: string) {
  return db.query<{ action: string; actor: string; fields: string[]; reason: string }>(
    'SELECT action, actor, fields, reason FROM intake.audit_log WHERE customer_id = $1 ORDER BY at',
    [customerId],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('customers');
  prefix = testPrefix();
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { PII_KEYS: KEYS, PII_ACTIVE_KEY: 'old' },
  });
});

afterAll(async () => {
  await intake?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

describe('reading a customer (X1)', () => {
  it('shows an agent masked name and contacts, and audits nothing', async () => {
    const { id } = await newCustomer();
    const view = await intake.rpc.request(CustomerRpc.get, { caller: agent, id });
    expect(view.name).toBe('张**');
    expect(view.unmasked).toBe(false);
    expect(view.contacts.map((c) => c.value)).toEqual([
      expect.stringMatching(/^137\*{4}\d{4}$/),
      expect.stringMatching(/^p\*\*\*@example\.com$/),
    ]);
    expect(await auditRows(id)).toEqual([]);
  });

  it('refuses an agent asking to unmask with FORBIDDEN, and audits nothing', async () => {
    const { id } = await newCustomer();
    await expect(
      intake.rpc.request(CustomerRpc.get, {
        caller: agent,
        id,
        unmask: true,
        reason: 'customer called back',
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await auditRows(id)).toEqual([]);
  });

  it('shows a supervisor with a reason the clear values and writes the audit row', async () => {
    const { id, email } = await newCustomer();
    const view = await intake.rpc.request(CustomerRpc.get, {
      caller: supervisor,
      id,
      unmask: true,
      reason: 'verify identity on a callback',
    });
    expect(view.name).toBe('张三丰');
    expect(view.contacts.find((c) => c.kind === 'email')?.value).toBe(email);
    expect(await auditRows(id)).toEqual([
      {
        action: 'customer.unmasked-read',
        actor: supervisor.userId,
        fields: ['name', 'phone', 'email', 'externalIds'],
        reason: 'verify identity on a callback',
      },
    ]);
  });
});

describe('the audit row commits with what it records (X2)', () => {
  beforeAll(async () => {
    await db.query(`CREATE FUNCTION intake.audit_fails() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`);
    await db.query(`CREATE TRIGGER audit_fails BEFORE INSERT ON intake.audit_log
      FOR EACH ROW EXECUTE FUNCTION intake.audit_fails()`);
  });
  afterAll(async () => {
    await db.query('DROP TRIGGER audit_fails ON intake.audit_log');
  });

  it('returns nothing unmasked when the audit write fails', async () => {
    const { id } = await newCustomer();
    const read = intake.rpc.request(CustomerRpc.get, {
      caller: supervisor,
      id,
      unmask: true,
      reason: 'verify identity',
    });
    await expect(read).rejects.toBeInstanceOf(DomainError);
    await expect(read).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('erases nothing and emits nothing when the audit write fails', async () => {
    const { id } = await newCustomer();
    await expect(
      intake.rpc.request(CustomerRpc.erase, { caller: admin, id, reason: 'customer asked for erasure' }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    const [row] = await db.query<{ name_enc: string | null; erased_at: Date | null }>(
      'SELECT name_enc, erased_at FROM intake.customers WHERE id = $1',
      [id],
    );
    expect(row.erased_at).toBeNull();
    expect(row.name_enc).not.toBeNull();
    expect(
      await db.query('SELECT 1 FROM intake.customer_contacts WHERE customer_id = $1', [id]),
    ).toHaveLength(2);
    expect(
      await db.query(
        `SELECT 1 FROM intake.outbox WHERE envelope->'data'->>'customerId' = $1
         AND envelope->>'type' = 'customer.erased.v1'`,
        [id],
      ),
    ).toHaveLength(0);
  });
});

describe('erasure (X1)', () => {
  it('removes contacts, external ids and name, keeps the id, audits and emits in one transaction', async () => {
    const { id } = await newCustomer();
    const erased = await intake.rpc.request(CustomerRpc.erase, {
      caller: supervisor,
      id,
      reason: 'customer asked for erasure',
    });
    expect(erased.id).toBe(id);
    const [row] = await db.query<{ name_enc: string | null; erased_at: Date | null }>(
      'SELECT name_enc, erased_at FROM intake.customers WHERE id = $1',
      [id],
    );
    expect(row.name_enc).toBeNull();
    expect(row.erased_at?.toISOString()).toBe(erased.erasedAt);
    expect(await db.query('SELECT 1 FROM intake.customer_contacts WHERE customer_id = $1', [id])).toEqual([]);
    expect(await db.query('SELECT 1 FROM intake.customer_external_ids WHERE customer_id = $1', [id])).toEqual(
      [],
    );
    // The feedback stays (its ticket, the counts), its free text does not.
    expect(
      await db.query('SELECT description, customer_request FROM intake.feedback WHERE customer_id = $1', [
        id,
      ]),
    ).toEqual([{ description: '[erased on request]', customer_request: null }]);
    expect((await auditRows(id)).map((r) => r.action)).toEqual(['customer.erased']);
    const events = await db.query<{ type: string }>(
      `SELECT envelope->>'type' AS type FROM intake.outbox WHERE envelope->'data'->>'customerId' = $1
       AND envelope->>'type' = 'customer.erased.v1'`,
      [id],
    );
    expect(events).toHaveLength(1);
    await expect(
      intake.rpc.request(CustomerRpc.erase, { caller: supervisor, id, reason: 'second request' }),
    ).rejects.toMatchObject({ code: 'CUSTOMER.ERASED' });
    await expect(intake.rpc.request(CustomerRpc.get, { caller: agent, id })).rejects.toMatchObject({
      code: 'CUSTOMER.ERASED',
    });
  });

  it('refuses an agent', async () => {
    const { id } = await newCustomer();
    await expect(
      intake.rpc.request(CustomerRpc.erase, { caller: agent, id, reason: 'customer asked' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('key rotation (X1)', () => {
  it('re-encrypts everything under the new key; values stay readable; a re-run changes nothing', async () => {
    const customers = await Promise.all([1, 2, 3, 4, 5].map(() => newCustomer()));
    const encrypted = async () =>
      db.query<{ enc: string }>(
        `SELECT value_enc AS enc FROM intake.customer_contacts
         UNION ALL SELECT name_enc FROM intake.customers WHERE name_enc IS NOT NULL`,
      );
    // Written bound to their rows (`+2`, decision 0017).
    expect((await encrypted()).every((row) => row.enc.startsWith('old+2:'))).toBe(true);
    const hashesBefore = await db.query(
      "SELECT id, encode(value_hash, 'hex') AS value_hash FROM intake.customer_contacts ORDER BY id",
    );

    const cipher = new PiiCipher(KEYS, 'new', hmac);
    const progress: number[] = [];
    const totals = await rotatePii(intake.dataSource, cipher, {
      batchSize: 3,
      onProgress: ({ rotated }) => progress.push(rotated),
    });
    const rows = await encrypted();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((row) => row.enc.startsWith('new+2:'))).toBe(true);
    expect(totals.customer_contacts + totals.customers + totals['customers.id_number']).toBe(rows.length);
    expect(progress.length).toBeGreaterThan(2); // several batches
    expect(
      await db.query(
        "SELECT id, encode(value_hash, 'hex') AS value_hash FROM intake.customer_contacts ORDER BY id",
      ),
    ).toEqual(hashesBefore);

    const snapshot = JSON.stringify(await encrypted());
    expect(await rotatePii(intake.dataSource, cipher, { batchSize: 3 })).toEqual({
      customer_contacts: 0,
      customers: 0,
      'customers.id_number': 0,
    });
    expect(JSON.stringify(await encrypted())).toBe(snapshot);

    // A replica configured with the new active key reads them; matching still finds the customer.
    const rotated = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
      databaseUrl: db.url,
      prefix,
      env: { PII_KEYS: KEYS, PII_ACTIVE_KEY: 'new' },
    });
    try {
      const { id, email } = customers[0];
      const view = await rotated.rpc.request(CustomerRpc.get, {
        caller: admin,
        id,
        unmask: true,
        reason: 'rotation check',
      });
      expect(view.name).toBe('张三丰');
      expect(view.contacts.find((c) => c.kind === 'email')?.value).toBe(email);
      const found = await rotated.rpc.request(CustomerRpc.search, { caller: agent, email });
      expect(found.items.map((c) => c.id)).toEqual([id]);
    } finally {
      await rotated.close();
    }
  });
});

describe('HMAC key rotation (X1, offline rehash)', () => {
  it('recomputes every keyed hash under the next key; lookups with it find the customers; a re-run changes nothing', async () => {
    const customers = await Promise.all([1, 2, 3, 4].map(() => newCustomer()));
    const nextHmac = randomBytes(32);
    const current = new PiiCipher(KEYS, 'new', hmac);
    const next = new PiiCipher(KEYS, 'new', nextHmac);
    const hashed = () =>
      db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM intake.customer_contacts)
              + (SELECT count(*) FROM intake.customers WHERE name_hash IS NOT NULL AND name_enc IS NOT NULL)
              + (SELECT count(*) FROM intake.customers WHERE id_number_hash IS NOT NULL AND id_number_enc IS NOT NULL)
              AS n`,
      );
    const [{ n }] = await hashed();

    const totals = await rehashPii(intake.dataSource, current, next, { batchSize: 4 });
    expect(totals.customer_contacts + totals['customers.name'] + totals['customers.id_number']).toBe(
      Number(n),
    );
    const contacts = await db.query<{ id: string; kind: string; value_hash: string; value_enc: string }>(
      "SELECT id, kind, encode(value_hash, 'hex') AS value_hash, value_enc FROM intake.customer_contacts",
    );
    for (const row of contacts) {
      const place = { column: 'customer_contacts.value_enc', rowId: row.id } as const;
      expect(row.value_hash).toBe(next.lookupHash(row.kind, next.decrypt(row.value_enc, place)));
    }
    // Resumable and idempotent: everything is under the next key already.
    expect(await rehashPii(intake.dataSource, current, next, { batchSize: 4 })).toEqual({
      customer_contacts: 0,
      'customers.name': 0,
      'customers.id_number': 0,
    });

    // Intake restarted with the next key as PII_HMAC_KEY finds the customers by contact. (Its own subject
    // prefix: the replica still running with the old key must not answer for it.)
    const restartedPrefix = testPrefix();
    const rehashed = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
      databaseUrl: db.url,
      prefix: restartedPrefix,
      env: { PII_KEYS: KEYS, PII_ACTIVE_KEY: 'new', PII_HMAC_KEY: nextHmac.toString('base64') },
    });
    try {
      const { id, email, phone } = customers[1];
      const found = await rehashed.rpc.request(CustomerRpc.search, { caller: agent, email });
      expect(found.items.map((c) => c.id)).toEqual([id]);
      const again: SubmitFeedbackReply = await rehashed.rpc.request(IntakeRpc.submitFeedback, {
        caller: agent,
        feedback: { channel: 'hotline', customer: { phone }, type: 'consultation', description: '再次咨询' },
      });
      expect(again.customerId).toBe(id);
    } finally {
      await rehashed.close();
      await deleteTestStream(restartedPrefix);
    }

    // A hash under neither key stops the run, and its batch changes nothing.
    const [victim] = await db.query<{ id: string }>(
      'SELECT id FROM intake.customer_contacts ORDER BY id LIMIT 1',
    );
    await db.query(
      `UPDATE intake.customer_contacts SET value_hash = decode(repeat('0', 64), 'hex') WHERE id = $1`,
      [victim.id],
    );
    const before = await db.query(
      "SELECT id, encode(value_hash, 'hex') AS value_hash FROM intake.customer_contacts ORDER BY id",
    );
    const third = new PiiCipher(KEYS, 'new', randomBytes(32));
    await expect(rehashPii(intake.dataSource, next, third, { batchSize: 4 })).rejects.toThrow(
      UnknownHashError,
    );
    expect(
      await db.query(
        "SELECT id, encode(value_hash, 'hex') AS value_hash FROM intake.customer_contacts ORDER BY id",
      ),
    ).toEqual(before);
  });
});
