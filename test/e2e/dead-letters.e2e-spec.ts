/**
 * An operator's day: a bad settings change makes routing reject events; they become dead letters instead
 * of being lost or retried forever; after the fix the operator replays them with the CLI and every
 * ticket opens exactly once.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ADMIN, Api, pollUntil, requireEnv, startPlatform, type RunningPlatform } from '@closeloop/testing';

jest.setTimeout(120_000);

const run = promisify(execFile);
let platform: RunningPlatform;
let api: Api;

/** Runs the operator CLI, logged in as the admin unless `login` says otherwise (issue 14.3). */
async function cli(...args: string[]) {
  return cliAs({ CLOSELOOP_EMAIL: ADMIN.email, CLOSELOOP_PASSWORD: ADMIN.password }, ...args);
}

async function cliAs(login: Record<string, string>, ...args: string[]) {
  const result = await run(process.execPath, [join(__dirname, '../../dist/apps/cli/src/main.js'), ...args], {
    env: {
      PATH: process.env.PATH,
      NATS_URL: requireEnv('NATS_URL'),
      NATS_PREFIX: platform.prefix,
      CLOSELOOP_GATEWAY_URL: platform.gatewayUrl,
      ...login,
    },
  }).catch((error: { stdout: string; stderr: string; code: number }) => error);
  return { stdout: result.stdout, stderr: result.stderr, code: 'code' in result ? result.code : 0 };
}

beforeAll(async () => {
  // The SLA sweep off: it reads the settings every few seconds, and routing's 5-second settings cache would
  // then still hold the valid document when the test breaks it below.
  platform = await startPlatform('dlq', { env: { SLA_SWEEP_INTERVAL_MS: '0' } });
  api = await new Api(platform.gatewayUrl).login(ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await platform?.stop();
});

it('dead-letters events a broken setting rejects, and replays them once the setting is fixed', async () => {
  const [{ value: goodSla }] = await platform.db.query<{ value: unknown }>(
    `SELECT value FROM routing.settings WHERE key = 'sla'`,
  );
  await platform.db.query(`UPDATE routing.settings SET value = '{"policies": []}' WHERE key = 'sla'`);

  const ticketNos: string[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await api.post('/api/v1/feedback', {
      channel: 'email',
      customer: { email: `dlq-${i}@example.com` },
      type: 'consultation',
      description: `dead letter ${i}`,
    });
    expect(response.status).toBe(201);
    ticketNos.push(response.body.ticketNo);
  }

  const letters = await pollUntil(
    () =>
      platform.db.query<{ event_type: string; error: string; deliveries: number }>(
        'SELECT event_type, error, deliveries FROM routing.dead_letters WHERE replayed_at IS NULL',
      ),
    (rows) => rows.length === 3,
    { what: '3 dead letters' },
  );
  // A validation failure is permanent: dead-lettered on the first delivery, not retried.
  expect(letters.every((l) => l.event_type === 'feedback.received.v1' && l.deliveries === 1)).toBe(true);
  expect(letters[0].error).toMatch(/policies/);
  expect((await api.get(`/api/v1/tickets/${ticketNos[0]}`)).status).toBe(404);

  const listed = await cli('dlq', 'list', '--service', 'routing');
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toHaveLength(3);

  // Replaying before the fix fails again and keeps them pending.
  const early = await cli('dlq', 'replay', '--service', 'routing');
  expect(early.code).toBe(1);
  expect(JSON.parse(early.stdout).failed).toHaveLength(3);

  await platform.db.query(`UPDATE routing.settings SET value = $1 WHERE key = 'sla'`, [
    JSON.stringify(goodSla),
  ]);
  const replay = await cli('dlq', 'replay', '--service', 'routing', '--consumer', 'routing-feedback');
  expect(replay.code).toBe(0);
  expect(JSON.parse(replay.stdout).replayed).toHaveLength(3);

  for (const ticketNo of ticketNos) {
    const ticket = await api.get(`/api/v1/tickets/${ticketNo}`);
    expect(ticket.status).toBe(200);
    expect(ticket.body.history.map((h: { action: string }) => h.action)).toEqual(['opened', 'queued']);
  }
  const again = await cli('dlq', 'replay', '--service', 'routing');
  expect(JSON.parse(again.stdout).replayed).toHaveLength(0);
  const [row] = await platform.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM routing.tickets WHERE ticket_no = ANY($1)',
    [ticketNos],
  );
  expect(Number(row.n)).toBe(3);
});

it('refuses an unknown consumer with a clear error', async () => {
  const result = await cli('dlq', 'list', '--service', 'routing', '--consumer', 'nope');
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/NOT_FOUND: no consumer named nope/);
});

describe('the operator is a real user (issue 14.3)', () => {
  it('refuses to run without a login, or with a wrong password', async () => {
    const none = await cliAs({}, 'dlq', 'list', '--service', 'routing');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/login failed: log in with --email/);
    const wrong = await cliAs(
      { CLOSELOOP_EMAIL: ADMIN.email, CLOSELOOP_PASSWORD: 'not-the-password' },
      'dlq',
      'list',
      '--service',
      'routing',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/login failed: INVALID_CREDENTIALS/);
  });

  it('acts as the user who logged in: a supervisor may not list dead letters, with a token or a password', async () => {
    const created = await api.post('/api/v1/users', {
      email: 'supervisor@dlq.e2e.test',
      displayName: 'supervisor',
      password: 'supervisor-password-1',
      roles: ['supervisor'],
    });
    expect(created.status).toBe(201);
    const listRouting = (env: Record<string, string>) => cliAs(env, 'dlq', 'list', '--service', 'routing');
    const byPassword = await listRouting({
      CLOSELOOP_EMAIL: 'supervisor@dlq.e2e.test',
      CLOSELOOP_PASSWORD: 'supervisor-password-1',
    });
    expect(byPassword.code).toBe(1);
    expect(byPassword.stderr).toMatch(/^FORBIDDEN/m);
    const supervisor = await new Api(platform.gatewayUrl).login(
      'supervisor@dlq.e2e.test',
      'supervisor-password-1',
    );
    const byToken = await listRouting({ CLOSELOOP_TOKEN: supervisor.token! });
    expect(byToken.code).toBe(1);
    expect(byToken.stderr).toMatch(/^FORBIDDEN/m);
    // The admin's token works the same way.
    const admin = await listRouting({ CLOSELOOP_TOKEN: api.token! });
    expect(admin.code).toBe(0);
  });
});
