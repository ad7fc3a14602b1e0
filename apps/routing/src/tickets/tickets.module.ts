import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { OrgModule } from '../org/org.module';
import { SettingsModule } from '../settings/settings.module';
import { SlaModule } from '../sla/sla.module';
import { ConfirmationService } from './confirmation.service';
import { ReassignService } from './reassign.service';
import { ResolutionReconciliationRepository } from './resolution-reconciliation.repository';
import { ResolutionReconciliationScheduler } from './resolution-reconciliation.scheduler';
import { ResolutionSeenHandler } from './resolution-seen.handler';
import { SlaRulesService } from './sla-rules.service';
import { TicketLifecycleService } from './ticket-lifecycle.service';
import { TicketHandler } from './ticket.handler';
import { TicketOpeningWriter } from './ticket-opening.writer';
import { TicketRepository } from './ticket.repository';
import { TicketService } from './ticket.service';
import { TicketWriter } from './ticket.writer';

/** Tickets: opening, the lifecycle (transitions), confirmation, reassignment and the resolution events. */
@Module({
  imports: [SettingsModule, OrgModule, SlaModule, DispatchModule],
  controllers: [TicketHandler, ResolutionSeenHandler],
  providers: [
    TicketRepository,
    TicketOpeningWriter,
    TicketService,
    TicketWriter,
    TicketLifecycleService,
    ConfirmationService,
    SlaRulesService,
    ReassignService,
    ResolutionReconciliationRepository,
    ResolutionReconciliationScheduler,
  ],
  exports: [TicketRepository, TicketWriter, TicketLifecycleService, SlaRulesService, ReassignService],
})
export class TicketsModule {}
