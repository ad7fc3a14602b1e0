import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export function requireEnv(name: 'DATABASE_URL' | 'NATS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global setup provides it)`);
  return value;
}

/** A fresh database for one test file, dropped (with its connections) by `drop()`. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const base = requireEnv('DATABASE_URL');
  const name = `cl_t_${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  // One session (advisory locks and the like stay with it), queued by the pool: tests may query from
  // concurrent promises, which a bare Client only tolerates with a deprecation (removed in pg 9).
  const session = new Pool({ connectionString: url.toString(), max: 1, idleTimeoutMillis: 0 });
  // `drop()` ends the pool, then force-drops the database: a connection still closing then is cut by the
  // server, which a pool reports as an error event on an idle client (not a test failure).
  session.on('error', () => undefined);
  return {
    url: url.toString(),
    name,
    async query<T>(sql: string, params?: unknown[]) {
      return (await session.query(sql, params)).rows as T[];
    },
    async drop() {
      await session.end().catch(() => undefined);
      const dropper = new Client({ connectionString: base });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
