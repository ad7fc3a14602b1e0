import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { OrgModule } from '../org/org.module';
import { TicketsModule } from '../tickets/tickets.module';
import { CollaborationRepository } from './collaboration.repository';
import { CollaborationService } from './collaboration.service';
import { TicketAssignmentHandler } from './ticket-assignment.handler';

/** Collaborators on a ticket, and the assignment RPCs (reassign, workload, collaborators) of the gateway's ticket-assignment routes. */
@Module({
  imports: [OrgModule, DispatchModule, TicketsModule],
  controllers: [TicketAssignmentHandler],
  providers: [CollaborationRepository, CollaborationService],
})
export class CollaborationModule {}
