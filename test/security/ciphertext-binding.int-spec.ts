/**
 * Issue 14 point 6 (X1): every stored ciphertext (contacts, names, ID numbers) is bound to its row and
 * column with GCM associated data, and decryption pins a 12-byte IV and a 16-byte tag (decision 0017).
 * - A ciphertext swapped between two customers, or between two columns of one customer, is refused on read,
 *   and the error holds neither the value nor the ciphertext.
 * - A truncated tag (GCM would accept 4, 8 or 12 bytes) is refused.
 * - Every writer stores bound values: registration, update, feedback matching, import, merge, pii:rotate.
 * - Values stored before the binding (no associated data) stay readable, and pii:rotate rewrites them bound.
 */
import { createCipheriv, randomUUID } from 'node:crypto';
import { CustomerRpc, CustomerWriteRpc, IntakeRpc, type Caller, type Role } from '@closeloop/contracts';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import { PiiCipher, type PiiColumn } from '../../apps/intake/src/customers/pii-cipher';
import { rotatePii } from '../../apps/intake/src/customers/pii-rotation';
import { ImportRunner } from '../../apps/intake/src/imports/import.runner';
import { DEV_PII_HMAC_KEY, DEV_PII_KEYS } from '../../apps/intake/src/intake.env';
import {
  QUIET_INTAKE_JOBS,
  startIntakeWithDb,
  uploadCsv,
} from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(120_000);

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;
const cipher = new PiiCipher(DEV_PII_KEYS, 'dev1', Buffer.from(DEV_PII_HMAC_KEY, 'base64'));

const caller = (role: Role): Caller => ({ userId: randomUUID(), roles: [role], departments: [], stores: [] });
const admin = caller('admin');
const agent = caller('agent');

let seq = 0;
const phone = () => `1351234${String(1000 + ++seq).slice(-4)}`;

async function register(input: { name?: string; idNumber?: string; phones?: string[] }): Promise<string> {
  const reply = await intake.rpc.request(CustomerWriteRpc.create, { caller: admin, customer: input });
  return reply.customer.id;
}

const unmasked = (id: string) =>
  intake.rpc.request(CustomerRpc.get, { caller: admin, id, unmask: true, reason: 'security test read' });

/** Every stored ciphertext with its place. */
async function storedValues(): Promise<{ column: PiiColumn; id: string; enc: string }[]> {
  return db.query(
    `SELECT 'customer_contacts.value_enc' AS column, id, value_enc AS enc FROM intake.customer_contacts
     UNION ALL SELECT 'customers.name_enc', id, name_enc FROM intake.customers WHERE name_enc IS NOT NULL
     UNION ALL SELECT 'customers.id_number_enc', id, id_number_enc FROM intake.customers
       WHERE id_number_enc IS NOT NULL`,
  );
}

/** The read fails, and its error carries none of `secrets`. */
async function refusedWithout(read: Promise<unknown>, secrets: string[]): Promise<void> {
  const error = await read.then(
    () => new Error('the read succeeded'),
    (caught: unknown) => caught,
  );
  expect(error).toMatchObject({ code: 'INTERNAL' });
  const text = JSON.stringify(error) + String((error as Error).message);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  ({ db, intake, close } = await startIntakeWithDb('sec_binding', { env: QUIET_INTAKE_JOBS }));
});

afterAll(() => close?.());

it('stores bound values from every writer: registration, update, matching, import, merge, pii:rotate', async () => {
  // Registration and update (API).
  const registered = await register({ name: '王小明', idNumber: '11010519491231002X', phones: [phone()] });
  const current = await intake.rpc.request(CustomerRpc.get, { caller: admin, id: registered });
  await intake.rpc.request(CustomerWriteRpc.update, {
    caller: admin,
    id: registered,
    ifMatch: `"v${current.version}"`,
    changes: { name: '王晓明', addPhones: [phone()] },
  });
  // Feedback matching (live intake).
  await intake.rpc.request(IntakeRpc.submitFeedback, {
    caller: agent,
    feedback: {
      channel: 'hotline',
      customer: { name: '赵六', phone: phone(), email: `m.${seq}@example.com` },
      type: 'consultation',
      description: '咨询',
    },
  });
  // Import.
  const csv = `name,phone,idNumber\n钱七,${phone()},11010519491231002X\n`;
  const job = await uploadCsv(intake, admin, 'customers', csv);
  expect(await intake.app.get(ImportRunner).runOnce()).toBe(job.id);
  // Merge: the survivor has no name or ID number and takes the duplicate's.
  const survivor = await register({ phones: [phone()] });
  const duplicate = await register({ name: '孙八', idNumber: '11010519491231002X', phones: [phone()] });
  await intake.rpc.request(CustomerWriteRpc.merge, {
    caller: admin,
    id: survivor,
    merge: { duplicateId: duplicate, reason: 'same person, two registrations' },
  });
  expect(await unmasked(survivor)).toMatchObject({ name: '孙八', idNumber: '11010519491231002X' });

  const values = await storedValues();
  expect(values.length).toBeGreaterThanOrEqual(14);
  for (const { column, id, enc } of values) {
    expect(PiiCipher.isBound(enc)).toBe(true);
    expect(() => cipher.decrypt(enc, { column, rowId: id })).not.toThrow();
  }
  // pii:rotate leaves bound values under the active key alone.
  expect(await rotatePii(intake.dataSource, cipher)).toEqual({
    customer_contacts: 0,
    customers: 0,
    'customers.id_number': 0,
  });
});

it("refuses a contact's ciphertext copied to another customer's contact, without the value in the error", async () => {
  const [p, q] = [phone(), phone()];
  const a = await register({ phones: [p] });
  const b = await register({ phones: [q] });
  const [ea] = await db.query<{ value_enc: string }>(
    `SELECT value_enc FROM intake.customer_contacts WHERE customer_id = $1`,
    [a],
  );
  await db.query(`UPDATE intake.customer_contacts SET value_enc = $2 WHERE customer_id = $1`, [
    b,
    ea.value_enc,
  ]);
  await refusedWithout(unmasked(b), [p, q, p.slice(-4), ea.value_enc.split(':')[3]]);
  await refusedWithout(intake.rpc.request(CustomerRpc.get, { caller: agent, id: b }), [p, q]);
  expect((await unmasked(a)).contacts[0].value).toBe(`+86${p}`);
});

it("refuses a name's ciphertext moved into the ID number column of the same customer", async () => {
  const id = await register({ name: '周九', idNumber: '11010519491231002X', phones: [phone()] });
  await db.query(`UPDATE intake.customers SET id_number_enc = name_enc WHERE id = $1`, [id]);
  await refusedWithout(unmasked(id), ['周九', '11010519491231002X']);
});

it('refuses a stored value whose tag was truncated to 12, 8 or 4 bytes', async () => {
  for (const length of [12, 8, 4]) {
    const id = await register({ name: '吴十', phones: [phone()] });
    const [row] = await db.query<{ name_enc: string }>(
      `SELECT name_enc FROM intake.customers WHERE id = $1`,
      [id],
    );
    const parts = row.name_enc.split(':');
    parts[2] = Buffer.from(parts[2], 'base64').subarray(0, length).toString('base64');
    await db.query(`UPDATE intake.customers SET name_enc = $2 WHERE id = $1`, [id, parts.join(':')]);
    await refusedWithout(unmasked(id), ['吴十']);
  }
});

it('reads values stored before the binding, and pii:rotate rewrites them bound', async () => {
  const p = phone();
  const id = await register({ name: '郑十一', phones: [p] });
  // Put back the old stored form (no associated data, no `+2`), as a database from before the upgrade has.
  const key = Buffer.from(DEV_PII_KEYS.split(':')[1], 'base64');
  const legacy = (value: string) => {
    const iv = Buffer.alloc(12, seq);
    const gcm = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([gcm.update(value, 'utf8'), gcm.final()]);
    return ['dev1', iv.toString('base64'), gcm.getAuthTag().toString('base64'), body.toString('base64')].join(
      ':',
    );
  };
  await db.query(`UPDATE intake.customers SET name_enc = $2 WHERE id = $1`, [id, legacy('郑十一')]);
  await db.query(`UPDATE intake.customer_contacts SET value_enc = $2 WHERE customer_id = $1`, [
    id,
    legacy(`+86${p}`),
  ]);
  expect(await unmasked(id)).toMatchObject({ name: '郑十一', contacts: [{ value: `+86${p}` }] });

  const totals = await rotatePii(intake.dataSource, cipher);
  expect(totals).toMatchObject({ customer_contacts: 1, customers: 1 });
  const rows = await storedValues();
  expect(rows.filter((row) => !PiiCipher.isBound(row.enc)).map((row) => row.column)).toEqual([]);
  expect(await unmasked(id)).toMatchObject({ name: '郑十一', contacts: [{ value: `+86${p}` }] });
});
