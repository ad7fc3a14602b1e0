import { SettingEntity } from '@closeloop/persistence';
import { RoutingInitial1763900000000 } from './migrations/1763900000000-RoutingInitial';
import { SlaPoliciesAndCalendars1795419810702 } from './migrations/1795419810702-SlaPoliciesAndCalendars';
import { TicketLifecycle1796155891936 } from './migrations/1796155891936-TicketLifecycle';
import { OrgReadModel1796155620452 } from './migrations/1796155620452-OrgReadModel';
import { DispatchRules1796156103567 } from './migrations/1796156103567-DispatchRules';
import { ImprovementCases1796158031481 } from './migrations/1796158031481-ImprovementCases';
import { Assignment1796156262222 } from './migrations/1796156262222-Assignment';
import { Collaborations1796158513720 } from './migrations/1796158513720-Collaborations';
import { DispatchAvoidAgent1796159387647 } from './migrations/1796159387647-DispatchAvoidAgent';
import { TicketChannelSegment1796167300000 } from './migrations/1796167300000-TicketChannelSegment';
import { ScheduledJobs1796672872445 } from './migrations/1796672872445-ScheduledJobs';
import { TicketResolutionEvents1796672872448 } from './migrations/1796672872448-TicketResolutionEvents';
import { SettingRevisionEntity } from './settings/entities/setting-revision.entity';
import { ImprovementCaseHistoryEntity } from './improvement/entities/improvement-case-history.entity';
import { ImprovementCaseEntity } from './improvement/entities/improvement-case.entity';
import { ScheduledRunEntity } from './sla/entities/scheduled-run.entity';
import { SlaAlertEntity } from './sla/entities/sla-alert.entity';
import { SlaOutcomeEntity } from './sla/entities/sla-outcome.entity';
import { TicketHistoryEntity } from './ticket-history/entities/ticket-history.entity';
import { TicketEntity } from './tickets/entities/ticket.entity';
import { OrgAgentEntity } from './org/entities/org-agent.entity';
import { OrgDepartmentEntity } from './org/entities/org-department.entity';
import { OrgSkillEntity } from './org/entities/org-skill.entity';
import { OrgStoreEntity } from './org/entities/org-store.entity';
import { AssignmentCursorEntity } from './dispatch/entities/assignment-cursor.entity';
import { TicketDispatchEntity } from './dispatch/entities/ticket-dispatch.entity';
import { TicketCollaborationEntity } from './collaboration/entities/ticket-collaboration.entity';
import { TicketResolutionEventEntity } from './tickets/entities/ticket-resolution-event.entity';

export const routingPersistence = {
  schema: 'routing',
  entities: [
    TicketEntity,
    TicketHistoryEntity,
    SettingEntity,
    SettingRevisionEntity,
    SlaOutcomeEntity,
    SlaAlertEntity,
    ImprovementCaseEntity,
    ImprovementCaseHistoryEntity,
    ScheduledRunEntity,
    OrgDepartmentEntity,
    OrgAgentEntity,
    OrgStoreEntity,
    OrgSkillEntity,
    TicketDispatchEntity,
    AssignmentCursorEntity,
    TicketCollaborationEntity,
    TicketResolutionEventEntity,
  ],
  migrations: [
    RoutingInitial1763900000000,
    SlaPoliciesAndCalendars1795419810702,
    OrgReadModel1796155620452,
    TicketLifecycle1796155891936,
    DispatchRules1796156103567,
    Assignment1796156262222,
    ImprovementCases1796158031481,
    Collaborations1796158513720,
    DispatchAvoidAgent1796159387647,
    TicketChannelSegment1796167300000,
    ScheduledJobs1796672872445,
    TicketResolutionEvents1796672872448,
  ],
};
