import { SettingEntity } from '@closeloop/persistence';
import { RoutingInitial1763900000000 } from './migrations/1763900000000-RoutingInitial';
import { TicketHistoryEntity } from './tickets/entities/ticket-history.entity';
import { TicketEntity } from './tickets/entities/ticket.entity';

export const routingPersistence = {
  schema: 'routing',
  entities: [TicketEntity, TicketHistoryEntity, SettingEntity],
  migrations: [RoutingInitial1763900000000],
};
