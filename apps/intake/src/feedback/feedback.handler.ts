import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { IntakeRpc } from '@closeloop/contracts';
import { FeedbackService } from './feedback.service';

/** NATS edge of the feedback feature: validates (RpcServer does), calls the service, replies. */
@Injectable()
export class FeedbackHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly feedback: FeedbackService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(IntakeRpc.submitFeedback, (request) => this.feedback.submit(request));
  }
}
