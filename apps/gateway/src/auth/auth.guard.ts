import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { DomainError, ROLES as ALL_ROLES, type Caller, type Role } from '@closeloop/contracts';
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
 * The verified caller is attached to the request and sent with every command (services authorize).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
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
    if (!Array.isArray(claims.roles) || !claims.roles.every((role) => ALL_ROLES.includes(role))) {
      throw new DomainError('UNAUTHENTICATED', 'the token is invalid or expired');
    }
    request.caller = {
      userId: claims.sub,
      roles: claims.roles,
      departments: claims.departments ?? [],
      stores: claims.stores ?? [],
    };
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (allowed && !claims.roles.some((role) => allowed.includes(role))) {
      throw new DomainError('FORBIDDEN', `this needs one of the roles: ${allowed.join(', ')}`);
    }
    return true;
  }
}
