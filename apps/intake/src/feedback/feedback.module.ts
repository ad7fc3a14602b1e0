import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { SettingsModule } from '../settings/settings.module';
import { TicketNumbersModule } from '../ticket-numbers/ticket-numbers.module';
import { FeedbackReconciliationRepository } from './feedback-reconciliation.repository';
import { FeedbackReconciliationScheduler } from './feedback-reconciliation.scheduler';
import { FeedbackTicketHandler } from './feedback-ticket.handler';
import { FeedbackHandler } from './feedback.handler';
import { FeedbackRepository } from './feedback.repository';
import { FeedbackService } from './feedback.service';
import { FeedbackWriter } from './feedback.writer';

/** Accepting feedback (classification, the customer, a ticket number) and reconciling it with its ticket. */
@Module({
  imports: [SettingsModule, TicketNumbersModule, CustomersModule],
  controllers: [FeedbackHandler, FeedbackTicketHandler],
  providers: [
    FeedbackRepository,
    FeedbackWriter,
    FeedbackService,
    FeedbackReconciliationRepository,
    FeedbackReconciliationScheduler,
  ],
})
export class FeedbackModule {}
