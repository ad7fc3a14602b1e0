import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JwtService } from '@nestjs/jwt';
import { SERVICE_ENV } from '@closeloop/runtime';
import { DomainError } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';
import { UsersService } from '../users/users.service';
import { LoginThrottle, Public } from './auth.decorators';
import { TokenRequestDto, TokenResponseDto } from './auth.dto';
import type { TokenClaims } from './auth.guard';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  @Post('token')
  @Public()
  @LoginThrottle()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenResponseDto })
  async token(@Body() body: TokenRequestDto): Promise<TokenResponseDto> {
    const user = await this.users.authenticate(body.email, body.password);
    if (!user) throw new DomainError('INVALID_CREDENTIALS');
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
