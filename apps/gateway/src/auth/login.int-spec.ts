/**
 * Issue 14 (7): password guessing against real Postgres, two gateway replicas in this process. Attempts are
 * limited per client IP (taken from X-Forwarded-For: TRUST_PROXY) and per account across replicas; failed
 * logins in a row lock the account, longer each time; a hash of older scrypt parameters still verifies and is
 * replaced on a successful login.
 */
import { scryptSync } from 'node:crypto';
import {
  createTestScope,
  pollUntil,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { startGateway } from '../testing/gateway-fixtures';
import { configureGatewayRoutes } from '../http/configure';
import { LoginLimiterService } from './login-limiter.service';

jest.setTimeout(90_000);

const ADMIN = { email: 'admin@login.test', password: 'login-admin-password' };
let scope: TestScope;
let db: TestDatabase;
const started: InProcessService[] = [];

async function replicas(env: Record<string, string>): Promise<InProcessService[]> {
  const start = () =>
    startGateway(scope, {
      env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, TRUST_PROXY: 'true', ...env },
      configure: configureGatewayRoutes,
    });
  const pair = [await start(), await start()];
  started.push(...pair);
  return pair;
}

async function login(
  service: InProcessService,
  email: string,
  password: string,
  ip = '203.0.113.7',
): Promise<{ status: number; body: Record<string, unknown>; contentType: string | null }> {
  const response = await fetch(`${service.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ email, password }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    contentType: response.headers.get('content-type'),
  };
}

/** The per-minute windows are fixed minutes: start a sequence early in one, so it stays inside it. */
async function earlyInAMinute(): Promise<void> {
  await pollUntil(
    () => Promise.resolve(new Date().getSeconds()),
    (seconds) => seconds < 40,
    { timeoutMs: 25_000, intervalMs: 500, what: 'the first 40 s of a minute' },
  );
}

beforeAll(async () => {
  scope = await createTestScope('gateway-login');
  db = scope.db;
});

afterAll(() => scope?.close());

describe('attempts per minute, shared by the replicas', () => {
  let gateways: InProcessService[];

  beforeAll(async () => {
    gateways = await replicas({
      LOGIN_RATE_LIMIT_PER_MINUTE: '6',
      LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE: '4',
      LOGIN_MAX_FAILURES: '100',
    });
  });

  it('refuses a client IP past its limit on any replica with 429 problem+json; another IP still gets in', async () => {
    await earlyInAMinute();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await login(gateways[i % 2], `nobody-${i}@login.test`, 'wrong-password', '198.51.100.1');
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    expect((await login(gateways[0], ADMIN.email, ADMIN.password, '198.51.100.2')).status).toBe(200);
  });

  it('gives successful logins their attempt back: colleagues behind one address all get in', async () => {
    await earlyInAMinute();
    for (let i = 0; i < 10; i++) {
      expect((await login(gateways[i % 2], ADMIN.email, ADMIN.password, '198.51.100.3')).status).toBe(200);
    }
  });

  it('refuses an account past its limit, whatever IPs the attempts come from', async () => {
    await earlyInAMinute();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await login(gateways[i % 2], 'target@login.test', 'guess', `192.0.2.${i + 10}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // Only a hash of the e-mail is stored, never what was typed.
    const keys = JSON.stringify(await db.query('SELECT key FROM gateway.login_limits'));
    expect(keys).not.toContain('target@login.test');
  });
});

describe('failed logins in a row', () => {
  let gateways: InProcessService[];

  beforeAll(async () => {
    await db.query('DELETE FROM gateway.login_limits');
    gateways = await replicas({
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE: '1000',
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCKOUT_SECONDS: '2',
      LOGIN_LOCKOUT_MAX_SECONDS: '600',
    });
  });

  const lockOf = async () => {
    const rows = await db.query<{ seconds: number; failures: number }>(
      `SELECT extract(epoch FROM locked_until - last_failure_at)::float8 AS seconds, failures
         FROM gateway.login_limits WHERE key LIKE 'account:%' AND failures > 0`,
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  it('lock the account (even the right password is refused), then lock it twice as long', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await login(gateways[i % 2], ADMIN.email, 'wrong')).status);
    expect(statuses).toEqual([401, 401, 401]);
    expect((await login(gateways[1], ADMIN.email, ADMIN.password)).status).toBe(429);
    expect(await lockOf()).toEqual({ seconds: 2, failures: 3 });

    // After the lock, three more failures lock it for twice as long.
    await pollUntil(
      () => login(gateways[0], ADMIN.email, 'wrong-again'),
      (answer) => answer.status === 401,
      { timeoutMs: 10_000, intervalMs: 250, what: 'the first lock to end' },
    );
    for (let i = 0; i < 2; i++) expect((await login(gateways[i % 2], ADMIN.email, 'wrong')).status).toBe(401);
    expect(await lockOf()).toEqual({ seconds: 4, failures: 6 });
    expect((await login(gateways[0], ADMIN.email, ADMIN.password)).status).toBe(429);

    // A success after the lock clears the failures.
    await pollUntil(
      () => login(gateways[1], ADMIN.email, ADMIN.password),
      (answer) => answer.status === 200,
      { timeoutMs: 15_000, intervalMs: 250, what: 'the second lock to end' },
    );
    const [row] = await db.query<{ failures: number }>(
      `SELECT failures FROM gateway.login_limits WHERE key LIKE 'account:%'`,
    );
    expect(row.failures).toBe(0);
  });

  it('locks an unknown e-mail the same way (a lock tells nothing about whether the account exists)', async () => {
    for (let i = 0; i < 3; i++) expect((await login(gateways[0], 'ghost@login.test', 'x')).status).toBe(401);
    const locked = await login(gateways[1], 'ghost@login.test', 'x');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('RATE_LIMITED');
  });
});

describe('stored hashes of older parameters', () => {
  it("verify, and are replaced by a hash of today's parameters on a successful login", async () => {
    await db.query('DELETE FROM gateway.login_limits');
    const [gateway] = started;
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync(ADMIN.password, salt, 64, { N: 2 ** 14, r: 8, p: 1 });
    const old = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    await db.query('UPDATE gateway.users SET password_hash = $1 WHERE email = $2', [old, ADMIN.email]);

    expect((await login(gateway, ADMIN.email, ADMIN.password, '203.0.113.50')).status).toBe(200);
    const [row] = await db.query<{ password_hash: string }>(
      'SELECT password_hash FROM gateway.users WHERE email = $1',
      [ADMIN.email],
    );
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect((await login(gateway, ADMIN.email, ADMIN.password, '203.0.113.50')).status).toBe(200);
  });

  it('refuses a stored hash with an empty key part, whatever the password', async () => {
    const [gateway] = started;
    const salt = Buffer.from('0123456789abcdef').toString('base64');
    await db.query('UPDATE gateway.users SET password_hash = $1 WHERE email = $2', [
      `scrypt$16384$8$1$${salt}$`,
      ADMIN.email,
    ]);
    expect((await login(gateway, ADMIN.email, 'anything at all', '203.0.113.51')).status).toBe(401);
  });
});

describe('keys that limit nothing any more', () => {
  it('are forgotten by the login-limits-prune job; a locked or recent one is kept', async () => {
    const [gateway] = started;
    await db.query(
      `INSERT INTO gateway.login_limits (key, window_start, attempts, failures, last_failure_at, locked_until)
       VALUES ('ip:stale', now() - interval '2 days', 3, 0, NULL, NULL),
              ('ip:recent', now(), 3, 0, NULL, NULL),
              ('account:locked', now() - interval '2 days', 1, 5, now(), now() + interval '1 hour')`,
    );
    await gateway.app.get(LoginLimiterService).prune();
    const keys = await db.query<{ key: string }>(
      `SELECT key FROM gateway.login_limits WHERE key IN ('ip:stale', 'ip:recent', 'account:locked') ORDER BY key`,
    );
    expect(keys.map((row) => row.key)).toEqual(['account:locked', 'ip:recent']);
  });
});
