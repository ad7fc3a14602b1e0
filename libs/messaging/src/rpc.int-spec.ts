import type { NatsConnection } from '@nats-io/nats-core';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { DomainError, defineRpc, rpcSubject, type RpcReply } from '@closeloop/contracts';
import { currentCorrelationId, runWithContext } from '@closeloop/observability';
import { testNats, testPrefix } from '@closeloop/testing';
import { RpcClient, RpcServer } from './rpc';

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
    const server = new RpcServer(nc, prefix, 'intake');
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
    client = new RpcClient(clientNc, prefix, 5_000);
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
      const server = new RpcServer(nc, prefix, 'intake');
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
});
