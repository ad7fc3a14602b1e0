import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { SERVICE_ENV } from '@closeloop/runtime';
import { DomainError } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';
import { UsersService } from '../users/users.service';
import type { TokenRequestDto, TokenResponseDto } from './auth.dto';
import type { TokenClaims } from './auth.guard';
import { LoginLimiterService } from './login-limiter.service';

/** Logging in: a bearer token for a user's e-mail and password, within the LoginLimiterService's limits. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly limiter: LoginLimiterService,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  async token({ email, password }: TokenRequestDto, ip: string): Promise<TokenResponseDto> {
    await this.limiter.admit(ip, email);
    const user = await this.users.authenticate(email, password);
    if (!user) {
      await this.limiter.failed(email);
      throw new DomainError('INVALID_CREDENTIALS');
    }
    await this.limiter.succeeded(ip, email);
    const claims: TokenClaims = {
      sub: user.id,
      roles: user.roles,
      departments: user.departments,
      stores: user.stores,
    };
    const accessToken = await this.jwt.signAsync(claims, {
      expiresIn: this.env.JWT_TTL_SECONDS,
      algorithm: 'HS256',
    });
    return { accessToken, expiresIn: this.env.JWT_TTL_SECONDS, tokenType: 'Bearer' };
  }
}
