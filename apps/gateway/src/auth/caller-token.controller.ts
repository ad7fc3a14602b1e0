import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CallerSigner } from '@closeloop/messaging';
import type { Caller } from '@closeloop/contracts';
import { Roles } from './auth.decorators';
import { CurrentCaller } from './caller.decorator';

export class CallerTokenResponseDto {
  @ApiProperty({ description: 'the signed caller, for the Closeloop-Caller header of RPC requests' })
  callerToken!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'who it names: userId, roles, departments, stores (from the directory)',
  })
  caller!: Caller;

  @ApiProperty({ description: 'seconds until it expires; ask again before' })
  expiresIn!: number;
}

/**
 * The operator CLI talks to the services over NATS; it proves who runs it by logging in here and asking
 * for the signed caller the gateway would send on the user's behalf (issue 14.3). Only the roles of the
 * CLI's commands (dead letters: admin; imports: admin, supervisor) may ask; the services authorize anyway.
 */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth')
export class CallerTokenController {
  constructor(private readonly signer: CallerSigner) {}

  @Post('caller-token')
  @Roles('admin', 'supervisor')
  @HttpCode(200)
  @ApiOperation({ summary: 'A short-lived signed caller for the operator CLI' })
  @ApiOkResponse({ type: CallerTokenResponseDto })
  callerToken(@CurrentCaller() caller: Caller): CallerTokenResponseDto {
    const { token, expiresAtMs } = this.signer.issue(caller);
    return {
      callerToken: token,
      caller,
      expiresIn: Math.max(0, Math.floor((expiresAtMs - Date.now()) / 1000)),
    };
  }
}
