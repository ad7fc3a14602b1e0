import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import {
  DomainError,
  IDEMPOTENCY_KEY_PATTERN,
  IntakeRpc,
  SubmitFeedbackDto,
  type Caller,
  type SubmitFeedbackReply,
} from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import { FeedbackCreatedView } from './feedback.views';

@ApiTags('feedback')
@ApiBearerAuth()
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly rpc: RpcClient) {}

  /** I1-I6: record a feedback from any channel; answers with its ticket number. */
  @Post()
  @HttpCode(201)
  @Roles('admin', 'supervisor', 'agent')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retrying with the same key returns the first answer (I6)',
  })
  @ApiCreatedResponse({ type: FeedbackCreatedView })
  @ApiConflictResponse({
    description:
      'FEEDBACK.ALREADY_RECORDED: another user recorded this channel message or key, and its customer is not one you may see',
  })
  async submit(
    @Body() body: SubmitFeedbackDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Omit<SubmitFeedbackReply, 'replayed'>> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new DomainError('VALIDATION_FAILED', undefined, [
        { field: 'Idempotency-Key', message: 'must be 8-128 characters of letters, digits, . _ : -' },
      ]);
    }
    const { replayed, ...created } = await this.rpc.request(IntakeRpc.submitFeedback, {
      caller,
      idempotencyKey,
      feedback: body,
    });
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return created;
  }
}
