import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Caller, DomainError, defineRpc, rpcSubject, type RpcReply } from '@closeloop/contracts';
import { currentCorrelationId, runWithContext } from '@closeloop/observability';
import { testNats, testPrefix } from '@closeloop/testing';
import { RpcClient, RpcServer } from './rpc';
import {
  CALLER_HEADER,
  CALLER_TOKEN_AUDIENCE,
  CALLER_TOKEN_ISSUER,
  CallerGate,
  CallerSigner,
  CallerVerifier,
  callerKeyId,
} from './caller-token';

class EchoRequest {
  @IsString()
  @Matches(/^[a-z0-9-]{1,40}$/)
  key!: string;

  @IsInt()
  @Min(0)
  @Max(1000)
  n!: number;
}

interface EchoReply {
  key: string;
  doubled: number;
  server: string;
  correlationId: string | undefined;
}

const Echo = defineRpc<EchoRequest, EchoReply>('intake', 'test.echo', EchoRequest);

class WhoAmIRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsString()
  note!: string;
}

const WhoAmI = defineRpc<WhoAmIRequest, Caller>('intake', 'test.whoami', WhoAmIRequest);

function p256(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** The gateway's key pair: the servers below hold only its public half. */
const gatewayKeys = p256();
const callerGate = () => new CallerGate(new CallerVerifier([gatewayKeys.publicKey]));

// Real servers on a shared 2-core machine: generous limits; every wait inside is a pollUntil with its own.
jest.setTimeout(30_000);

describe('request/reply over real NATS', () => {
  const prefix = testPrefix();
  const connections: NatsConnection[] = [];
  const servers: RpcServer[] = [];
  let client: RpcClient;
  let clientNc: NatsConnection;
  /** Requests each server's handler received, by server name. */
  const handled = new Map<string, string[]>();

  async function startServer(name: string, fn?: (request: EchoRequest) => Promise<EchoReply>): Promise<void> {
    const nc = await testNats();
    connections.push(nc);
    const server = new RpcServer(nc, prefix, 'intake', callerGate());
    handled.set(name, []);
    server.handle(
      Echo,
      fn ??
        (async (request) => {
          handled.get(name)!.push(request.key);
          if (request.key === 'missing') {
            throw new DomainError('TICKET.NOT_FOUND', 'ticket 202501010001 does not exist', [
              { field: 'ticketNo', message: 'unknown' },
            ]);
          }
          if (request.key === 'crash') throw new Error('db password is hunter2');
          return {
            key: request.key,
            doubled: request.n * 2,
            server: name,
            correlationId: currentCorrelationId(),
          };
        }),
    );
    servers.push(server);
    await nc.flush(); // the subscription is registered before the first request
  }

  beforeAll(async () => {
    clientNc = await testNats();
    connections.push(clientNc);
    client = new RpcClient(clientNc, prefix, 5_000, new CallerSigner(gatewayKeys.privateKey, 60));
  });

  afterAll(async () => {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await Promise.allSettled(connections.map((nc) => nc.close()));
  });

  it('answers SERVICE_UNAVAILABLE at once when no instance is running', async () => {
    const started = Date.now();
    const error = await client
      .request(Echo, { key: 'a', n: 1 }, { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/no intake instance/);
    // Far below the 10 s timeout: NATS says at once that nobody listens.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  describe('with two replicas in the queue group', () => {
    beforeAll(async () => {
      await startServer('one');
      await startServer('two');
    });

    it('answers a valid request and carries the correlation id to the handler', async () => {
      const reply = await runWithContext({ correlationId: 'corr-rpc-000001' }, () =>
        client.request(Echo, { key: 'hello', n: 21 }),
      );
      expect(reply).toMatchObject({ key: 'hello', doubled: 42, correlationId: 'corr-rpc-000001' });
    });

    it('refuses an invalid request with its field errors; the handler never sees it', async () => {
      const before = [...handled.values()].flat().length;
      const error = await client.request(Echo, { key: 'Not Valid!', n: 5000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((error as DomainError).fields?.map((f) => f.field).sort()).toEqual(['key', 'n']);
      expect([...handled.values()].flat().length).toBe(before);
    });

    it('validates on the server: a raw invalid request never reaches the handler', async () => {
      const before = [...handled.values()].flat().length;
      const raw = await clientNc.request(
        rpcSubject(prefix, Echo),
        JSON.stringify({ key: 'x', n: -1, extra: 1 }),
        {
          timeout: 2_000,
        },
      );
      const reply = raw.json<RpcReply<EchoReply>>();
      expect(reply.ok).toBe(false);
      if (reply.ok) return;
      expect(reply.error.code).toBe('VALIDATION_FAILED');
      expect(reply.error.fields?.map((f) => f.field).sort()).toEqual(['extra', 'n']);

      const notJson = (await clientNc.request(rpcSubject(prefix, Echo), '{nope', { timeout: 2_000 })).json<
        RpcReply<EchoReply>
      >();
      expect(notJson).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      expect([...handled.values()].flat().length).toBe(before);
    });

    it('returns a DomainError with its code, detail and fields', async () => {
      const error = await client.request(Echo, { key: 'missing', n: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'TICKET.NOT_FOUND',
        message: 'ticket 202501010001 does not exist',
        fields: [{ field: 'ticketNo', message: 'unknown' }],
      });
    });

    it('maps an unexpected handler error to INTERNAL without leaking its message', async () => {
      const error = await client.request(Echo, { key: 'crash', n: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'INTERNAL' });
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
        'hunter2',
      );
    });

    it('shares 200 concurrent requests between the replicas, each handled once', async () => {
      for (const list of handled.values()) list.length = 0;
      const keys = Array.from({ length: 200 }, (_, i) => `req-${i}`);
      const replies = await Promise.all(keys.map((key, i) => client.request(Echo, { key, n: i })));

      expect(replies.map((r) => r.doubled)).toEqual(keys.map((_, i) => i * 2));
      const one = handled.get('one')!;
      const two = handled.get('two')!;
      expect(one.length).toBeGreaterThan(0);
      expect(two.length).toBeGreaterThan(0);
      expect(one.length + two.length).toBe(200);
      expect(new Set([...one, ...two]).size).toBe(200);
      // Each reply came from the replica that handled it.
      replies.forEach((reply) => expect(handled.get(reply.server)).toContain(reply.key));
    });

    it('answers SERVICE_UNAVAILABLE when the replica does not answer in time', async () => {
      const Slow = defineRpc<EchoRequest, EchoReply>('intake', 'test.slow', EchoRequest);
      const nc = await testNats();
      connections.push(nc);
      const server = new RpcServer(nc, prefix, 'intake', callerGate());
      servers.push(server);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      server.handle(Slow, async (request) => {
        await gate;
        return { key: request.key, doubled: 0, server: 'slow', correlationId: undefined };
      });
      await nc.flush();
      try {
        const started = Date.now();
        const error = await client
          .request(Slow, { key: 'slow', n: 1 }, { timeoutMs: 300 })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
        expect((error as Error).message).toMatch(/did not answer in time/);
        expect(Date.now() - started).toBeLessThan(2_000);
      } finally {
        release();
      }
    });
  });
  describe('signed callers (issue 14.3)', () => {
    const alice: Caller = { userId: randomUUID(), roles: ['agent'], departments: ['d1'], stores: ['s1'] };
    const seen: Caller[] = [];

    beforeAll(async () => {
      const nc = await testNats();
      connections.push(nc);
      const server = new RpcServer(nc, prefix, 'intake', callerGate());
      servers.push(server);
      server.handle(WhoAmI, async (request) => {
        seen.push(request.caller);
        return request.caller;
      });
      await nc.flush();
    });

    /** Sends WhoAmI as raw NATS with this header token (or none) and body caller: what anyone on NATS can do. */
    async function raw(token: string | undefined, bodyCaller: Caller = alice): Promise<RpcReply<Caller>> {
      const h = natsHeaders();
      if (token !== undefined) h.set(CALLER_HEADER, token);
      const reply = await clientNc.request(
        rpcSubject(prefix, WhoAmI),
        JSON.stringify({ caller: bodyCaller, note: 'x' }),
        { timeout: 2_000, headers: h },
      );
      return reply.json<RpcReply<Caller>>();
    }

    /** What the gateway signs for alice as an admin, valid for a minute. */
    const adminClaims = (): Record<string, unknown> => ({
      sub: alice.userId,
      roles: ['admin'],
      departments: [],
      stores: [],
      iss: CALLER_TOKEN_ISSUER,
      aud: CALLER_TOKEN_AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 60,
    });

    /** A token with these claims, signed with `key` under the gateway's key id unless told otherwise. */
    function forge(
      key: KeyObject,
      claims: Record<string, unknown> = {},
      options: { algorithm?: 'ES256' | 'HS256'; keyid?: string } = {},
    ): string {
      const all: Record<string, unknown> = { ...adminClaims(), ...claims };
      for (const name of Object.keys(all)) if (all[name] === undefined) delete all[name];
      return new JwtService().sign(all, {
        privateKey: key,
        algorithm: options.algorithm ?? 'ES256',
        keyid: options.keyid ?? callerKeyId(gatewayKeys.publicKey),
      });
    }

    const refused = { ok: false, error: { code: 'UNAUTHENTICATED' } };

    it('hands the handler the caller the gateway signed', async () => {
      await expect(client.request(WhoAmI, { caller: alice, note: 'x' })).resolves.toEqual(alice);
    });

    it('ignores a body caller that differs from the signed one', async () => {
      const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };
      const token = new CallerSigner(gatewayKeys.privateKey, 60).tokenFor(alice);
      const reply = await raw(token, admin);
      expect(reply).toEqual({ ok: true, data: alice });
    });

    it('refuses a request without a signed caller, even with a caller in the body', async () => {
      const before = seen.length;
      expect(await raw(undefined)).toMatchObject(refused);
      expect(await raw('')).toMatchObject(refused);
      // An RpcClient without credentials (any service's own) cannot act for a user either.
      const unsigned = new RpcClient(clientNc, prefix, 5_000);
      await expect(unsigned.request(WhoAmI, { caller: alice, note: 'x' })).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      expect(seen.length).toBe(before);
    });

    it('refuses a caller signed by another key, under its own or the gateway key id', async () => {
      const before = seen.length;
      const other = p256();
      expect(await raw(forge(other.privateKey))).toMatchObject(refused);
      expect(await raw(forge(other.privateKey, {}, { keyid: callerKeyId(other.publicKey) }))).toMatchObject(
        refused,
      );
      // Algorithm confusion: HS256 keyed with the public key the services hold.
      const publicDer = gatewayKeys.publicKey.export({ type: 'spki', format: 'der' });
      const confused = new JwtService().sign(
        { sub: alice.userId, roles: ['admin'], departments: [], stores: [] },
        {
          secret: publicDer,
          algorithm: 'HS256',
          keyid: callerKeyId(gatewayKeys.publicKey),
          issuer: CALLER_TOKEN_ISSUER,
          audience: CALLER_TOKEN_AUDIENCE,
          expiresIn: 60,
        },
      );
      expect(await raw(confused)).toMatchObject(refused);
      // A signed caller with its claims edited (payload swapped, signature kept).
      const [head, , signature] = new CallerSigner(gatewayKeys.privateKey, 60).tokenFor(alice).split('.');
      const payload = Buffer.from(JSON.stringify(adminClaims())).toString('base64url');
      expect(await raw(`${head}.${payload}.${signature}`)).toMatchObject(refused);
      expect(seen.length).toBe(before);
    });

    it('refuses an expired caller, and one for another audience or issuer', async () => {
      const before = seen.length;
      const past = Math.floor(Date.now() / 1000) - 60;
      expect(await raw(forge(gatewayKeys.privateKey, { exp: past }))).toMatchObject(refused);
      expect(await raw(forge(gatewayKeys.privateKey, { exp: undefined }))).toMatchObject(refused);
      expect(await raw(forge(gatewayKeys.privateKey, { aud: 'someone-else' }))).toMatchObject(refused);
      expect(await raw(forge(gatewayKeys.privateKey, { iss: 'someone-else' }))).toMatchObject(refused);
      // The same key, well-formed: accepted (the refusals above are for the reasons named).
      expect(await raw(forge(gatewayKeys.privateKey))).toMatchObject({ ok: true });
      expect(seen.length).toBe(before + 1);
    });

    it('accepts callers of every listed key, so the signing key can be rotated', async () => {
      const next = p256();
      const nc = await testNats();
      connections.push(nc);
      const rotating = `${prefix}r`;
      const server = new RpcServer(
        nc,
        rotating,
        'intake',
        new CallerGate(new CallerVerifier([gatewayKeys.publicKey, next.publicKey])),
      );
      servers.push(server);
      server.handle(WhoAmI, async (request) => request.caller);
      await nc.flush();
      for (const key of [gatewayKeys.privateKey, next.privateKey]) {
        const signed = new RpcClient(clientNc, rotating, 5_000, new CallerSigner(key, 60));
        await expect(signed.request(WhoAmI, { caller: alice, note: 'x' })).resolves.toEqual(alice);
      }
    });
  });
});
