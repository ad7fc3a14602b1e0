import { FeedbackEvents } from './feedback.events';
import { TicketEvents } from './ticket.events';
import { SettingsEvents } from './settings.events';
import { CustomerEvents } from './customer.events';
import { OrderEvents } from './order.events';
import { OrgEvents } from './org.events';
import { TicketCollaborationEvents } from './collaboration.events';
import { ImprovementEvents } from './improvement.events';
import type { EventDefinition } from './event';

/** Every published event type. docs/asyncapi.yaml documents each (a unit test keeps them in step). */
export const EVENT_CATALOG: readonly EventDefinition<object>[] = [
  ...Object.values(FeedbackEvents),
  ...Object.values(TicketEvents),
  ...Object.values(SettingsEvents),
  ...Object.values(CustomerEvents),
  ...Object.values(OrderEvents),
  ...Object.values(OrgEvents),
  ...Object.values(TicketCollaborationEvents),
  ...Object.values(ImprovementEvents),
];
