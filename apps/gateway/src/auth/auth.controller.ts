import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { SERVICE_ENV } from '@closeloop/runtime';
import { DomainError } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';
import { UsersService } from '../users/users.service';
import { Public } from './auth.decorators';
import { TokenRequestDto, TokenResponseDto } from './auth.dto';
import type { TokenClaims } from './auth.guard';
import { LoginLimiterService } from './login-limiter.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly limiter: LoginLimiterService,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /** Limited per client IP and per account across replicas; failures in a row lock the account (LoginLimiterService). */
  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this address or for this account' })
  async token(@Body() body: TokenRequestDto, @Req() request: FastifyRequest): Promise<TokenResponseDto> {
    await this.limiter.admit(request.ip, body.email);
    const user = await this.users.authenticate(body.email, body.password);
    if (!user) {
      await this.limiter.failed(body.email);
      throw new DomainError('INVALID_CREDENTIALS');
    }
    await this.limiter.succeeded(request.ip, body.email);
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
