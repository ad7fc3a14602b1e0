import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { CustomerEventsHandler } from './customers/customer-events.handler';
import { CustomerFollowRepository } from './customers/customer-follow.repository';
import type { RoutingEnv } from './routing.env';
import { routingPersistence } from './routing.persistence';
import { ComplianceHandler } from './compliance/compliance.handler';
import { ComplianceRepository } from './compliance/compliance.repository';
import { ComplianceService } from './compliance/compliance.service';
import { ImprovementDetectorService } from './improvement/improvement-detector.service';
import { ImprovementHandler } from './improvement/improvement.handler';
import { ImprovementRepository } from './improvement/improvement.repository';
import { ImprovementService } from './improvement/improvement.service';
import { AssignmentRepository } from './dispatch/assignment.repository';
import { AssignmentService } from './dispatch/assignment.service';
import { QueueSweepScheduler } from './dispatch/queue-sweep.scheduler';
import { ReassignService } from './tickets/reassign.service';
import { WorkloadService } from './dispatch/workload.service';
import { CollaborationRepository } from './collaboration/collaboration.repository';
import { CollaborationService } from './collaboration/collaboration.service';
import { TicketAssignmentHandler } from './collaboration/ticket-assignment.handler';
import { OrgDirectoryRepository } from './org/org-directory.repository';
import { OrgDirectoryService } from './org/org-directory.service';
import { OrgEventsHandler } from './dispatch/org-events.handler';
import { SettingsHandler } from './settings/settings.handler';
import { SettingRevisionsRepository } from './settings/setting-revisions.repository';
import { SettingsService } from './settings/settings.service';
import { RoutingSettingsRepository } from './settings/routing-settings.repository';
import { SlaOutcomeRepository } from './sla/sla-outcome.repository';
import { SlaRulesReader } from './tickets/sla-rules';
import { SlaSweepRepository } from './sla-sweep/sla-sweep.repository';
import { CalendarCoverageScheduler } from './sla/calendar-coverage.scheduler';
import { SlaSweepService } from './sla-sweep/sla-sweep.service';
import { ConfirmationService } from './tickets/confirmation.service';
import { TicketHandler } from './tickets/ticket.handler';
import { ResolutionReconciliationScheduler } from './tickets/resolution-reconciliation.scheduler';
import { ResolutionReconciliationRepository } from './tickets/resolution-reconciliation.repository';
import { ResolutionSeenHandler } from './tickets/resolution-seen.handler';
import { TicketLifecycleService } from './tickets/ticket-lifecycle.service';
import { TicketWriter } from './tickets/ticket.writer';
import { TicketRepository } from './tickets/ticket.repository';
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
        RoutingSettingsRepository,
        SettingRevisionsRepository,
        SettingsService,
        TicketRepository,
        TicketService,
        ResolutionReconciliationRepository,
        ResolutionReconciliationScheduler,
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
        SlaSweepService,
        CalendarCoverageScheduler,
        ComplianceRepository,
        ComplianceService,
        ImprovementRepository,
        ImprovementDetectorService,
        ImprovementService,
        AssignmentRepository,
        QueueSweepScheduler,
        ReassignService,
        WorkloadService,
        CollaborationRepository,
        CollaborationService,
      ],
    };
  }
}
