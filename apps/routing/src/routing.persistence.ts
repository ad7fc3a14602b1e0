import { SettingEntity } from '@closeloop/persistence';
import { RoutingInitial1763900000000 } from './migrations/1763900000000-RoutingInitial';
import { SlaPoliciesAndCalendars1795419810702 } from './migrations/1795419810702-SlaPoliciesAndCalendars';
import { TicketLifecycle1796155891936 } from './migrations/1796155891936-TicketLifecycle';
import { SettingRevisionEntity } from './settings/entities/setting-revision.entity';
import { SlaAlertEntity } from './sla/entities/sla-alert.entity';
import { SlaOutcomeEntity } from './sla/entities/sla-outcome.entity';
import { TicketHistoryEntity } from './tickets/entities/ticket-history.entity';
import { TicketEntity } from './tickets/entities/ticket.entity';

export const routingPersistence = {
  schema: 'routing',
  entities: [
    TicketEntity,
    TicketHistoryEntity,
    SettingEntity,
    SettingRevisionEntity,
    SlaOutcomeEntity,
    SlaAlertEntity,
  ],
  migrations: [
    RoutingInitial1763900000000,
    SlaPoliciesAndCalendars1795419810702,
    TicketLifecycle1796155891936,
  ],
};
