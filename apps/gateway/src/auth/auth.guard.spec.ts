import { createSecretKey } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { DomainError } from '@closeloop/contracts';
import type { CallerDirectoryRepository, CallerGrants } from '../org/caller-directory.repository';
import { AuthGuard, type AuthenticatedRequest } from './auth.guard';

const key = createSecretKey(Buffer.from('a-test-secret-of-at-least-32-characters', 'utf8'));
const jwt = new JwtService({
  secretOrKeyProvider: () => key,
  signOptions: { algorithm: 'HS256' },
  verifyOptions: { algorithms: ['HS256'] },
});

/** A protected route with no role restriction, called with `authorization`. */
function context(authorization: string | undefined): {
  ctx: ExecutionContext;
  request: AuthenticatedRequest;
} {
  const request = { headers: { authorization } } as unknown as AuthenticatedRequest;
  const ctx = {
    getHandler: () => () => undefined,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { ctx, request };
}

const userId = '6f1c2a7e-3b5d-4e8f-9a0b-1c2d3e4f5a6b';
const claims = { sub: userId, roles: ['agent'], departments: [], stores: [] };
const grants: CallerGrants = { roles: ['agent'], departments: ['after-sales'], stores: [] };

describe('auth guard: verified tokens are remembered until they expire', () => {
  const start = new Date('2026-01-05T08:00:00Z').getTime();
  let guard: AuthGuard;
  let verify: jest.SpyInstance;
  /** The directory's answer per user: null for a deactivated one. */
  let directory: Map<string, CallerGrants | null>;

  beforeEach(() => {
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate'] });
    directory = new Map([[userId, grants]]);
    const callers = { resolve: (id: string) => Promise.resolve(directory.get(id) ?? null) };
    guard = new AuthGuard(new Reflector(), jwt, callers as unknown as CallerDirectoryRepository);
    verify = jest.spyOn(jwt, 'verifyAsync');
  });

  afterEach(() => {
    verify.mockRestore();
    jest.useRealTimers();
  });

  const sign = (payload: object, expiresIn: number) => jwt.signAsync(payload, { expiresIn });

  it('verifies a token once, then serves the same caller from memory', async () => {
    const token = await sign(claims, 3600);
    for (let i = 0; i < 3; i++) {
      const { ctx, request } = context(`Bearer ${token}`);
      await expect(guard.canActivate(ctx)).resolves.toBe(true);
      expect(request.caller).toEqual({ userId, ...grants });
    }
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a remembered token once it has expired', async () => {
    const token = await sign(claims, 60);
    await expect(guard.canActivate(context(`Bearer ${token}`).ctx)).resolves.toBe(true);
    jest.setSystemTime(start + 59_000);
    await expect(guard.canActivate(context(`Bearer ${token}`).ctx)).resolves.toBe(true);
    jest.setSystemTime(start + 61_000);
    const error = await guard.canActivate(context(`Bearer ${token}`).ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('never remembers a token that failed: each attempt is verified and refused', async () => {
    const token = await sign(claims, 3600);
    const forged = `${token.slice(0, -4)}AAAA`;
    for (let i = 0; i < 2; i++) {
      await expect(guard.canActivate(context(`Bearer ${forged}`).ctx)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
    const unknownRole = await sign({ ...claims, roles: ['root'] }, 3600);
    for (let i = 0; i < 2; i++) {
      await expect(guard.canActivate(context(`Bearer ${unknownRole}`).ctx)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it('still asks the directory every time: a deactivated user is refused with a remembered token', async () => {
    const token = await sign(claims, 3600);
    await expect(guard.canActivate(context(`Bearer ${token}`).ctx)).resolves.toBe(true);
    directory.set(userId, null);
    await expect(guard.canActivate(context(`Bearer ${token}`).ctx)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
