import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import { IntakeRpc, SubmitFeedbackRequest, type SubmitFeedbackReply } from '@closeloop/contracts';
import { FeedbackService } from './feedback.service';

/** NATS edge of the feedback feature: validates (the platform does), calls the service, replies. */
@Controller()
export class FeedbackHandler {
  constructor(private readonly feedback: FeedbackService) {}

  @MessagePattern(IntakeRpc.submitFeedback)
  submit(@Payload() request: SubmitFeedbackRequest): Promise<SubmitFeedbackReply> {
    return this.feedback.submit(request);
  }
}
