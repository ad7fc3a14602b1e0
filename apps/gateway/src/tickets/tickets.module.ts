import { Module } from '@nestjs/common';
import { ConfirmationLinksService } from './confirmation-links.service';
import { ConfirmationPageController } from './confirmation-page.controller';
import { ConfirmationPageService } from './confirmation-page.service';
import { TicketAssignmentController, WorkloadController } from './ticket-assignment.controller';
import { TicketsController } from './tickets.controller';

/** The ticket routes, their assignment and workload routes, and the customer's confirmation page (R6 links). */
@Module({
  controllers: [
    TicketsController,
    TicketAssignmentController,
    WorkloadController,
    ConfirmationPageController,
  ],
  providers: [ConfirmationLinksService, ConfirmationPageService],
})
export class TicketsModule {}
