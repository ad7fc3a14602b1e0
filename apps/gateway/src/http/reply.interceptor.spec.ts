import { lastValueFrom, of } from 'rxjs';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { ReplyInterceptor, type ReplyPlan } from './reply.interceptor';

/** Runs one reply through the interceptor with `plan`; returns the body, the headers and the status set. */
async function answer(plan: ReplyPlan, result: unknown, params: Record<string, string> = {}) {
  const headers: Record<string, string> = {};
  let status: number | undefined;
  const reply = {
    header: (name: string, value: string) => ((headers[name] = value), reply),
    headers: (all: Record<string, string>) => (Object.assign(headers, all), reply),
    status: (code: number) => ((status = code), reply),
  };
  const context = {
    getHandler: () => answer,
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ params }) }),
  } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of(result) };
  const body = await lastValueFrom(new ReplyInterceptor(() => plan).intercept(context, next));
  return { body, headers, status };
}

describe('ReplyInterceptor', () => {
  it('drops the replay flag from the body and says Idempotent-Replayed only for a replay (I6)', async () => {
    expect(await answer({ replay: {} }, { id: 'a', replayed: true })).toEqual({
      body: { id: 'a' },
      headers: { 'Idempotent-Replayed': 'true' },
      status: undefined,
    });
    expect(await answer({ replay: {} }, { id: 'a', replayed: false })).toEqual({
      body: { id: 'a' },
      headers: {},
      status: undefined,
    });
  });

  it("answers a replay with the plan's status, a first answer with the route's own", async () => {
    expect((await answer({ replay: { status: 200 } }, { replayed: true })).status).toBe(200);
    expect((await answer({ replay: { status: 200 } }, { replayed: false })).status).toBeUndefined();
  });

  it('takes the body out of the reply, then the ETag and Location from that body', async () => {
    const plan: ReplyPlan = {
      replay: {},
      body: (r) => (r as { customer: unknown }).customer,
      etag: true,
      location: (b, p) => `/api/v1/x/${p.parent}/${(b as { id: string }).id}`,
    };
    const reply = { customer: { id: 'c1', version: 3 }, replayed: true };
    expect(await answer(plan, reply, { parent: 'T-1' })).toEqual({
      body: { id: 'c1', version: 3 },
      headers: { 'Idempotent-Replayed': 'true', ETag: '"v3"', Location: '/api/v1/x/T-1/c1' },
      status: undefined,
    });
  });

  it('sets the status from the reply (an HTML page of an expired link is a 410)', async () => {
    const plan: ReplyPlan = {
      status: (r) => (r as { status: number }).status,
      body: (r) => (r as { html: string }).html,
    };
    expect(await answer(plan, { status: 410, html: '<p>expired</p>' })).toEqual({
      body: '<p>expired</p>',
      headers: {},
      status: 410,
    });
  });

  it('computes headers from the whole reply before the body is taken out (settings documents)', async () => {
    const plan: ReplyPlan = {
      headers: (r) => ({ ETag: (r as { etag: string }).etag }),
      body: (r) => (r as { value: unknown }).value,
    };
    expect(await answer(plan, { etag: '"sla.v2"', value: { a: 1 } })).toEqual({
      body: { a: 1 },
      headers: { ETag: '"sla.v2"' },
      status: undefined,
    });
  });
});
