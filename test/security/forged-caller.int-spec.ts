/**
 * Issue 14.3: a service believes only the caller the gateway signed. Anyone who can publish on NATS (a
 * compromised service, a leaked NATS password) tries to act as an admin against a real routing service:
 * a caller in the body, a caller signed with a key of their own, an expired one. Only the gateway's
 * signature counts, and the body's caller never does.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { deadLetterRpc, rpcSubject, type Caller, type RpcReply } from '@closeloop/contracts';
import { CALLER_HEADER, CallerSigner, parseCallerSigningKey } from '@closeloop/messaging';
import { DEV_CALLER_SIGNING_KEY } from '@closeloop/runtime';
import {
  createTestScope,
  devCallerSigner,
  testNats,
  type InProcessService,
  type TestScope,
} from '@closeloop/testing';
import { startRouting } from '../../apps/routing/src/testing/routing-fixtures';

jest.setTimeout(60_000);

let scope: TestScope;
let prefix: string;
let routing: InProcessService;
let nc: NatsConnection;

const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: ['d1'], stores: [] };
const list = deadLetterRpc('routing').list;

beforeAll(async () => {
  scope = await createTestScope('security_forged_caller');
  prefix = scope.prefix;
  // The service holds only the public key (CALLER_PUBLIC_KEYS' development default in tests).
  routing = await startRouting(scope);
  nc = await testNats();
  scope.defer(() => nc.close());
});

afterAll(() => scope?.close());

/** The admin-only dead-letter list, sent as raw NATS with a body caller and this header token. */
async function listAs(bodyCaller: Caller, token?: string): Promise<RpcReply<unknown[]>> {
  const h = natsHeaders();
  if (token !== undefined) h.set(CALLER_HEADER, token);
  const reply = await nc.request(rpcSubject(prefix, list), JSON.stringify({ caller: bodyCaller }), {
    timeout: 5_000,
    headers: h,
  });
  return reply.json<RpcReply<unknown[]>>();
}

it('serves the admin the gateway signed', async () => {
  expect(await listAs(admin, devCallerSigner().tokenFor(admin))).toEqual({ ok: true, data: [] });
  // The same through the RpcClient a gateway uses.
  await expect(routing.rpc.request(list, { caller: admin })).resolves.toEqual([]);
});

it('refuses an admin caller written in the body without a signature', async () => {
  expect(await listAs(admin)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
});

it('refuses an admin caller signed with a key other than the gateway’s', async () => {
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const forged = new CallerSigner(forger, 60).tokenFor(admin);
  expect(await listAs(admin, forged)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
});

it('refuses an expired admin caller', async () => {
  const signer = new CallerSigner(parseCallerSigningKey(DEV_CALLER_SIGNING_KEY), 10);
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval'] });
  try {
    // Signed 70 s ago with a 10 s lifetime: past the 5 s clock tolerance too.
    jest.setSystemTime(Date.now() - 70_000);
    const expired = signer.tokenFor(admin);
    jest.useRealTimers();
    expect(await listAs(admin, expired)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  } finally {
    jest.useRealTimers();
  }
});

it('ignores the body caller: an agent’s signed caller with an admin in the body is an agent', async () => {
  expect(await listAs(admin, devCallerSigner().tokenFor(agent))).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
});
