import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isUUID } from 'class-validator';
import { JwtService } from '@nestjs/jwt';
import { DomainError, ROLES as ALL_ROLES, type Role } from '@closeloop/contracts';
import { CallerDirectoryRepository } from '../org/caller-directory.repository';
import type { AuthenticatedRequest } from '../http/authenticated-request';
import { IS_PUBLIC, ROLES } from './auth.decorators';

export interface TokenClaims {
  sub: string;
  roles: Role[];
  departments: string[];
  stores: string[];
}

export type { AuthenticatedRequest };

/** Tokens remembered at most; the oldest is forgotten first. */
const CACHE_SIZE = 10_000;

/**
 * The subjects of tokens verified recently, keyed by the token itself, each until its `exp`: a client sends
 * the same token with every request, and checking its signature again was most of the guard's cost. Only
 * tokens that verified are kept; an expired one is dropped when seen, so expiry is honoured to the second.
 * What the user may do is not kept here: it comes from the directory on every request.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { userId: string; expiresAtMs: number }>();

  get(token: string, nowMs: number): string | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.userId;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, userId: string, expiresAtMs: number): void {
    if (this.entries.size >= CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { userId, expiresAtMs });
  }
}

/**
 * Every route needs a valid bearer token unless marked @Public(); @Roles() narrows who may call it.
 * The token proves who the user is; their roles, departments and stores come from the org directory
 * (cached briefly, docs/decisions/0006), so a move or a deactivation takes effect before the token expires.
 * The caller is attached to the request and sent with every command (services authorize).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly callers: CallerDirectoryRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
    const userId = this.verified.get(match[1], Date.now()) ?? (await this.verify(match[1]));
    const grants = await this.callers.resolve(userId);
    if (!grants) throw new DomainError('UNAUTHENTICATED', 'the user is deactivated or unknown');
    request.caller = { userId, ...grants };
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (allowed && !grants.roles.some((role) => allowed.includes(role))) {
      throw new DomainError('FORBIDDEN', `this needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }

  /** Checks the signature, expiry and claims; remembers the subject until the token expires. */
  private async verify(token: string): Promise<string> {
    let claims: TokenClaims & { exp?: number };
    try {
      claims = await this.jwt.verifyAsync<TokenClaims & { exp?: number }>(token, { algorithms: ['HS256'] });
    } catch {
      throw new DomainError('UNAUTHENTICATED', 'the token is invalid or expired');
    }
    if (
      !isUUID(claims.sub) ||
      !Array.isArray(claims.roles) ||
      !claims.roles.every((role) => ALL_ROLES.includes(role))
    ) {
      throw new DomainError('UNAUTHENTICATED', 'the token is invalid or expired');
    }
    // Our tokens always expire; one without `exp` is verified every time rather than kept forever.
    if (typeof claims.exp === 'number') this.verified.set(token, claims.sub, claims.exp * 1000);
    return claims.sub;
  }
}
