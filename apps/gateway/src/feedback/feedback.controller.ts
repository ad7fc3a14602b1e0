import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import { IntakeRpc, SubmitFeedbackDto, type Caller, type SubmitFeedbackReply } from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import { IdempotentReplay } from '../http/reply.decorators';
import { IdempotencyKey } from '../http/request.decorators';
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
  @IdempotentReplay()
  submit(
    @Body() feedback: SubmitFeedbackDto,
    @CurrentCaller() caller: Caller,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<SubmitFeedbackReply> {
    return this.rpc.request(IntakeRpc.submitFeedback, { caller, idempotencyKey, feedback });
  }
}
