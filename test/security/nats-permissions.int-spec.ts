/**
 * Issue 14.3: least-privilege NATS. A private nats-server runs deploy/nats/accounts.conf exactly as shipped;
 * intake and routing run against it as their own NATS users and the test acts as the gateway, the operator
 * CLI and a partner. The services' legitimate work goes through (an RPC, events published and consumed by
 * durable consumers, stream and consumer set-up), while each user is refused what belongs to another:
 * publishing another service's events, serving or listening to another service's RPC subjects, reading
 * another user's replies, changing the stream; the partner cannot publish; without credentials nobody
 * gets in.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { deadLetterRpc, IntakeRpc, RoutingRpc, type Caller } from '@closeloop/contracts';
import { connectNats, RpcClient } from '@closeloop/messaging';
import { NatsServerProcess } from '@closeloop/messaging/testing/nats-server-process';
import { NATS_CONNECTION } from '@closeloop/runtime';
import {
  createTestDatabase,
  devCallerSigner,
  pollUntil,
  REPO_ROOT,
  startService,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeEnv } from '../../apps/intake/src/intake.env';
import { IntakeModule } from '../../apps/intake/src/intake.module';
import { RoutingEnv } from '../../apps/routing/src/routing.env';
import { RoutingModule } from '../../apps/routing/src/routing.module';

jest.setTimeout(120_000);

/** The shipped config names the prefix and stream: this private server is the only one using them. */
const PREFIX = 'closeloop';
const STREAM = 'CLOSELOOP_EVENTS';
const PASSWORDS = {
  SYS_NATS_PASSWORD: 'sys-pw',
  GATEWAY_NATS_PASSWORD: 'gateway-pw',
  INTAKE_NATS_PASSWORD: 'intake-pw',
  ROUTING_NATS_PASSWORD: 'routing-pw',
  CLOSELOOP_CLI_NATS_PASSWORD: 'cli-pw',
  CLOSELOOP_ADMIN_NATS_PASSWORD: 'admin-pw',
  PARTNER_ACME_NATS_PASSWORD: 'acme-pw',
};
const USERS = {
  gateway: PASSWORDS.GATEWAY_NATS_PASSWORD,
  intake: PASSWORDS.INTAKE_NATS_PASSWORD,
  routing: PASSWORDS.ROUTING_NATS_PASSWORD,
  'closeloop-cli': PASSWORDS.CLOSELOOP_CLI_NATS_PASSWORD,
  'closeloop-admin': PASSWORDS.CLOSELOOP_ADMIN_NATS_PASSWORD,
  acme: PASSWORDS.PARTNER_ACME_NATS_PASSWORD,
};
type User = keyof typeof USERS;

let dir: string;
let server: NatsServerProcess;
let db: TestDatabase;
let intake: InProcessService;
let routing: InProcessService;
const connections: NatsConnection[] = [];
/** Errors the services' own connections got while running (none expected: no refused subject). */
const serviceErrors: Record<'intake' | 'routing', string[]> = { intake: [], routing: [] };

const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };

/** A connection as `user`, as the services make it (their own inbox prefix), recording its errors. */
async function as(user: User): Promise<{ nc: NatsConnection; errors: string[] }> {
  const nc = await connectNats(server.url, `test-${user}`, { user, password: USERS[user] });
  connections.push(nc);
  return { nc, errors: watchErrors(nc) };
}

function watchErrors(nc: NatsConnection): string[] {
  const errors: string[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error') errors.push(String((status as { error?: Error }).error?.message));
    }
  })().catch(() => undefined);
  return errors;
}

/** Waits for the server's permission refusal of `operation` on `subject` (it arrives asynchronously). */
async function refused(errors: string[], operation: 'Publish' | 'Subscription', subject: string) {
  const wanted = `Permissions Violation for ${operation} to "${subject}"`;
  await pollUntil(
    async () => errors,
    (seen) => seen.some((e) => e.includes(wanted)),
    { what: wanted, timeoutMs: 5_000 },
  );
}

/** Messages the stream holds on `subject`, read as the operator. */
async function storedOn(subject: string): Promise<number> {
  const { nc } = await as('closeloop-admin');
  const info = await (await jetstreamManager(nc)).streams.info(STREAM, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-nats-perms-'));
  copyFileSync(join(REPO_ROOT, 'deploy/nats/accounts.conf'), join(dir, 'accounts.conf'));
  writeFileSync(join(dir, 'server.conf'), 'include "accounts.conf"\n');
  server = await NatsServerProcess.start({ configFile: join(dir, 'server.conf'), env: PASSWORDS });

  db = await createTestDatabase('security_nats_permissions');
  const serviceEnv = (user: User) => ({
    NATS_URL: server.url,
    NATS_PREFIX: PREFIX,
    NATS_USER: user,
    NATS_PASSWORD: USERS[user],
  });
  // Each service creates what it needs at start (stream, its durable consumers) with its own rights.
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix: PREFIX,
    env: serviceEnv('intake'),
  });
  routing = await startService(RoutingEnv, (env) => RoutingModule.register(env), {
    databaseUrl: db.url,
    prefix: PREFIX,
    env: serviceEnv('routing'),
  });
  serviceErrors.intake = watchErrors(intake.app.get<NatsConnection>(NATS_CONNECTION));
  serviceErrors.routing = watchErrors(routing.app.get<NatsConnection>(NATS_CONNECTION));
});

afterAll(async () => {
  await Promise.allSettled(connections.map((nc) => nc.close()));
  await routing?.close();
  await intake?.close();
  await db?.drop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('what each user may do still works', () => {
  it('gateway → intake RPC → feedback event → routing opens the ticket → intake consumes ticket.opened', async () => {
    const { nc, errors } = await as('gateway');
    const rpc = new RpcClient(nc, PREFIX, 10_000, devCallerSigner());
    const submitted = await rpc.request(IntakeRpc.submitFeedback, {
      caller: admin,
      feedback: {
        channel: 'email',
        customer: { email: `perm-${randomUUID()}@example.com` },
        type: 'consultation',
        description: 'permissions walk',
      },
    });
    const ticket = await pollUntil(
      () =>
        rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo: submitted.ticketNo }).catch(() => null),
      (found) => found !== null,
      { what: `ticket ${submitted.ticketNo}` },
    );
    expect(ticket?.ticketNo).toBe(submitted.ticketNo);
    // intake's durable consumer of ticket.opened (routing's event) got it through its own consumer API.
    await pollUntil(
      () =>
        db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM intake.inbox WHERE consumer = 'intake-ticket-opened'`,
        ),
      (rows) => rows[0].n >= 1,
      { what: 'intake-ticket-opened handled the event' },
    );
    expect(errors).toEqual([]);
    // Neither service's own connection was refused anything while doing its part.
    expect(serviceErrors).toEqual({ intake: [], routing: [] });
  });

  it('the gateway publishes org events; the CLI user reaches the admin commands', async () => {
    const { nc, errors } = await as('gateway');
    const ack = await jetstream(nc).publish(`${PREFIX}.events.org.permission-test.v1`, '{}', {
      msgID: randomUUID(),
    });
    expect(ack.stream).toBe(STREAM);

    const cli = await as('closeloop-cli');
    const list = await new RpcClient(cli.nc, PREFIX, 10_000, devCallerSigner()).request(
      deadLetterRpc('routing').list,
      { caller: admin },
    );
    expect(list).toEqual([]);
    expect([...errors, ...cli.errors]).toEqual([]);
  });
});

describe('what each user may not do', () => {
  it("a service cannot publish another service's events (nor the gateway any but org.*)", async () => {
    const cases: [User, string][] = [
      ['intake', `${PREFIX}.events.ticket.opened.v1`],
      ['routing', `${PREFIX}.events.feedback.received.v1`],
      ['routing', `${PREFIX}.events.org.department-changed.v1`],
      ['gateway', `${PREFIX}.events.ticket.resolved.v1`],
      ['gateway', `${PREFIX}.events.customer.erased.v1`],
    ];
    for (const [user, subject] of cases) {
      const before = await storedOn(subject);
      const { nc, errors } = await as(user);
      nc.publish(subject, JSON.stringify({ forged: true }));
      await refused(errors, 'Publish', subject);
      expect(await storedOn(subject)).toBe(before);
    }
  });

  it("a service cannot serve or listen to another service's RPC queue, or read another user's replies", async () => {
    const cases: [User, string, string | undefined][] = [
      ['intake', `${PREFIX}.rpc.routing.>`, 'routing'],
      ['intake', `${PREFIX}.rpc.routing.ticket.get`, undefined],
      ['routing', `${PREFIX}.rpc.intake.>`, 'intake'],
      ['gateway', `${PREFIX}.rpc.intake.>`, 'intake'],
      ['intake', '_INBOX_gateway.>', undefined],
      ['routing', '_INBOX.>', undefined],
      ['gateway', `${PREFIX}.events.>`, undefined],
    ];
    for (const [user, subject, queue] of cases) {
      const { nc, errors } = await as(user);
      nc.subscribe(subject, { queue, callback: () => undefined });
      await refused(errors, 'Subscription', subject);
    }
  });

  it('the gateway cannot call the admin commands; a service cannot call another or change the stream', async () => {
    const cases: [User, string][] = [
      ['gateway', `${PREFIX}.rpc.routing.admin.dead-letters.replay`],
      ['intake', `${PREFIX}.rpc.routing.ticket.get`],
      ['routing', `$JS.API.STREAM.DELETE.${STREAM}`],
      ['intake', `$JS.API.STREAM.PURGE.${STREAM}`],
      ['intake', `$JS.API.STREAM.UPDATE.${STREAM}`],
      ['routing', `$JS.API.CONSUMER.CREATE.${STREAM}.intake-ticket-opened`],
      ['closeloop-cli', `${PREFIX}.rpc.routing.ticket.get`],
    ];
    for (const [user, subject] of cases) {
      const { nc, errors } = await as(user);
      nc.publish(subject, '{}');
      await refused(errors, 'Publish', subject);
    }
    const { nc } = await as('closeloop-admin');
    expect((await (await jetstreamManager(nc)).streams.info(STREAM)).config.name).toBe(STREAM);
  });

  it('the partner reads the events but cannot publish any', async () => {
    const partner = await connect({ servers: server.url, user: 'acme', pass: USERS.acme });
    connections.push(partner);
    const errors = watchErrors(partner);
    const live: string[] = [];
    partner.subscribe(`${PREFIX}.events.>`, { callback: (_error, msg) => void live.push(msg.subject) });
    await partner.flush();
    const { nc: gateway } = await as('gateway');
    await jetstream(gateway).publish(`${PREFIX}.events.org.partner-test.v1`, '{}', { msgID: randomUUID() });
    await pollUntil(
      async () => live,
      (seen) => seen.includes(`${PREFIX}.events.org.partner-test.v1`),
      { what: 'the partner sees a live event' },
    );
    const subject = `${PREFIX}.events.ticket.opened.v1`;
    const before = await storedOn(subject);
    partner.publish(subject, '{}');
    await refused(errors, 'Publish', subject);
    partner.subscribe(`${PREFIX}.rpc.>`, { callback: () => undefined });
    await refused(errors, 'Subscription', `${PREFIX}.rpc.>`);
    expect(await storedOn(subject)).toBe(before);
  });

  it('refuses a client without credentials (no no_auth_user)', async () => {
    await expect(connect({ servers: server.url, maxReconnectAttempts: 0, timeout: 3_000 })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });
});
