import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { CustomerEventsHandler } from './customers/customer-events.handler';
import { CustomerFollowRepository } from './customers/customer-follow.repository';
import type { RoutingEnv } from './routing.env';
import { routingPersistence } from './routing.persistence';
import { ComplianceHandler } from './compliance/compliance.handler';
import { ComplianceRepository } from './compliance/compliance.repository';
import { ComplianceService } from './compliance/compliance.service';
import { ImprovementDetector } from './improvement/improvement-detector.service';
import { ImprovementHandler } from './improvement/improvement.handler';
import { ImprovementRepository } from './improvement/improvement.repository';
import { ImprovementService } from './improvement/improvement.service';
import { AssignmentRepository } from './dispatch/assignment.repository';
import { AssignmentService } from './dispatch/assignment.service';
import { QueueSweeper } from './dispatch/queue-sweeper';
import { ReassignService } from './dispatch/reassign.service';
import { WorkloadService } from './dispatch/workload.service';
import { CollaborationRepository } from './collaboration/collaboration.repository';
import { CollaborationService } from './collaboration/collaboration.service';
import { TicketAssignmentHandler } from './dispatch/ticket-assignment.handler';
import { OrgDirectoryRepository } from './org/org-directory.repository';
import { OrgDirectoryService } from './org/org-directory.service';
import { OrgEventsHandler } from './org/org-events.handler';
import { SettingsHandler } from './settings/settings.handler';
import { SettingsRepository } from './settings/settings.repository';
import { SettingsService } from './settings/settings.service';
import { RoutingSettings } from './sla/sla-settings.repository';
import { SlaOutcomeRepository } from './sla/sla-outcome.repository';
import { SlaRulesReader } from './sla/sla-rules';
import { SlaSweepRepository } from './sla/sla-sweep.repository';
import { CalendarCoverageCheck } from './sla/calendar-coverage.check';
import { SlaAlertWriter } from './sla/sla-alert.writer';
import { SlaSweepService } from './sla/sla-sweep.service';
import { ConfirmationService } from './tickets/confirmation.service';
import { TicketHandler } from './tickets/ticket.handler';
import { ResolutionReconciliationJobs } from './tickets/resolution-reconciliation.jobs';
import { ResolutionReconciliationRepository } from './tickets/resolution-reconciliation.repository';
import { ResolutionSeenHandler } from './tickets/resolution-seen.handler';
import { TicketLifecycleService } from './tickets/ticket-lifecycle.service';
import { TicketWriter } from './tickets/ticket-writer';
import { TicketRepository } from './tickets/ticket.repository';
import { TicketOpeningWriter } from './tickets/ticket-opening.writer';
import { TicketService } from './tickets/ticket.service';

@Module({})
export class RoutingModule {
  static register(env: RoutingEnv): DynamicModule {
    return {
      module: RoutingModule,
      imports: [PlatformModule.forRoot({ service: 'routing', env, ...routingPersistence })],
      // The NATS edges: @MessagePattern and @EventPattern methods, served by the platform (decision 0019).
      controllers: [
        SettingsHandler,
        TicketHandler,
        CustomerEventsHandler,
        OrgEventsHandler,
        ComplianceHandler,
        ImprovementHandler,
        TicketAssignmentHandler,
        ResolutionSeenHandler,
      ],
      providers: [
        RoutingSettings,
        SettingsRepository,
        SettingsService,
        TicketRepository,
        TicketOpeningWriter,
        TicketService,
        ResolutionReconciliationRepository,
        ResolutionReconciliationJobs,
        CustomerFollowRepository,
        SlaRulesReader,
        SlaOutcomeRepository,
        TicketWriter,
        TicketLifecycleService,
        ConfirmationService,
        OrgDirectoryRepository,
        OrgDirectoryService,
        AssignmentService,
        SlaSweepRepository,
        SlaAlertWriter,
        SlaSweepService,
        CalendarCoverageCheck,
        ComplianceRepository,
        ComplianceService,
        ImprovementRepository,
        ImprovementDetector,
        ImprovementService,
        AssignmentRepository,
        QueueSweeper,
        ReassignService,
        WorkloadService,
        CollaborationRepository,
        CollaborationService,
      ],
    };
  }
}
