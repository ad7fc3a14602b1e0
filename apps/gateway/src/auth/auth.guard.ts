import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isUUID } from 'class-validator';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { DomainError, ROLES as ALL_ROLES, type Caller, type Role } from '@closeloop/contracts';
import { CallerDirectory } from '../org/caller-directory';
import { IS_PUBLIC, ROLES } from './auth.decorators';

export interface TokenClaims {
  sub: string;
  roles: Role[];
  departments: string[];
  stores: string[];
}

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };

/**
 * Every route needs a valid bearer token unless marked @Public(); @Roles() narrows who may call it.
 * The token proves who the user is; their roles, departments and stores come from the org directory
 * (cached briefly, docs/decisions/0006), so a move or a deactivation takes effect before the token expires.
 * The caller is attached to the request and sent with every command (services authorize).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly callers: CallerDirectory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(match[1], { algorithms: ['HS256'] });
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
    const grants = await this.callers.resolve(claims.sub);
    if (!grants) throw new DomainError('UNAUTHENTICATED', 'the user is deactivated or unknown');
    request.caller = { userId: claims.sub, ...grants };
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (allowed && !grants.roles.some((role) => allowed.includes(role))) {
      throw new DomainError('FORBIDDEN', `this needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }
}
