/**
 * Upgrades with data in place: a database at the schema before decision 0016 (hex keyed hashes, foreign
 * keys), holding customers, is migrated; lookups still find them and the references still hold.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@closeloop/testing';
import { intakePersistence } from '../intake.persistence';
import { migrateIntake } from '../testing/intake-fixtures';
import { StatementCustomerReferences1796180000000 } from './1796180000000-StatementCustomerReferences';

jest.setTimeout(60_000);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('intake_upgrade');
});

afterAll(async () => {
  await db?.drop();
});

const migrate = (migrations: (typeof intakePersistence)['migrations']) => migrateIntake(db.url, migrations);

it('keeps hex keyed hashes findable as bytea and the contacts bound to their customers', async () => {
  const all = intakePersistence.migrations;
  const before = all.indexOf(StatementCustomerReferences1796180000000);
  expect(before).toBeGreaterThan(0);
  await migrate(all.slice(0, before));

  const customerId = randomUUID();
  const hash = (value: string) => createHmac('sha256', 'k').update(value).digest('hex');
  const [phone, name] = [hash('phone\u0000+8613800138000'), hash('name\u0000王小明')];
  await db.query(
    `INSERT INTO intake.customers (id, name_enc, name_hash, store_id) VALUES ($1, 'n', $2, 's1')`,
    [customerId, name],
  );
  await db.query(
    `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
     VALUES ($1, $2, 'phone', $3, 'e')`,
    [randomUUID(), customerId, phone],
  );

  await migrate(all);

  const [found] = await db.query<{ customer_id: string; name_hash: string }>(
    `SELECT k.customer_id, encode(c.name_hash, 'hex') AS name_hash
       FROM intake.customer_contacts k JOIN intake.customers c ON c.id = k.customer_id
      WHERE k.value_hash = $1`,
    [Buffer.from(phone, 'hex')],
  );
  expect(found).toEqual({ customer_id: customerId, name_hash: name });
  await expect(
    db.query(
      `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
       VALUES ($1, $2, 'email', $3, 'e')`,
      [randomUUID(), randomUUID(), Buffer.from(hash('email\u0000x@example.com'), 'hex')],
    ),
  ).rejects.toMatchObject({ code: '23503' });
});
