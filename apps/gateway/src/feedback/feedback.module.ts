import { Module } from '@nestjs/common';
import { FeedbackController } from './feedback.controller';

/** Feedback submission and reads, forwarded to intake. */
@Module({
  controllers: [FeedbackController],
})
export class FeedbackModule {}
