import { SettingEntity } from '@closeloop/persistence';
import { RoutingInitial1763900000000 } from './migrations/1763900000000-RoutingInitial';
import { SlaPoliciesAndCalendars1795419810702 } from './migrations/1795419810702-SlaPoliciesAndCalendars';
import { OrgReadModel1796155620452 } from './migrations/1796155620452-OrgReadModel';
import { DispatchRules1796156103567 } from './migrations/1796156103567-DispatchRules';
import { SettingRevisionEntity } from './settings/entities/setting-revision.entity';
import { TicketHistoryEntity } from './tickets/entities/ticket-history.entity';
import { TicketEntity } from './tickets/entities/ticket.entity';
import { OrgAgentEntity } from './org/entities/org-agent.entity';
import { OrgDepartmentEntity } from './org/entities/org-department.entity';
import { OrgSkillEntity } from './org/entities/org-skill.entity';
import { OrgStoreEntity } from './org/entities/org-store.entity';

export const routingPersistence = {
  schema: 'routing',
  entities: [
    TicketEntity,
    TicketHistoryEntity,
    SettingEntity,
    SettingRevisionEntity,
    OrgDepartmentEntity,
    OrgAgentEntity,
    OrgStoreEntity,
    OrgSkillEntity,
  ],
  migrations: [
    RoutingInitial1763900000000,
    SlaPoliciesAndCalendars1795419810702,
    OrgReadModel1796155620452,
    DispatchRules1796156103567,
  ],
};
