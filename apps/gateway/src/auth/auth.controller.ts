import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { Public } from './auth.decorators';
import { TokenRequestDto, TokenResponseDto } from './auth.dto';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Limited per client IP and per account across replicas; failures in a row lock the account (LoginLimiterService). */
  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this address or for this account' })
  token(@Body() body: TokenRequestDto, @Ip() ip: string): Promise<TokenResponseDto> {
    return this.auth.token(body, ip);
  }
}
