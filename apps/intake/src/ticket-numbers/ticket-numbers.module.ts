import { Module } from '@nestjs/common';
import { TicketNumberRepository } from './ticket-number.repository';

/** Ticket numbers, allocated when a feedback is accepted (decision 0003). */
@Module({
  providers: [TicketNumberRepository],
  exports: [TicketNumberRepository],
})
export class TicketNumbersModule {}
