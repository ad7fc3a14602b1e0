import { CustomerContactEntity } from './customers/entities/customer-contact.entity';
import { CustomerExternalIdEntity } from './customers/entities/customer-external-id.entity';
import { CustomerEntity } from './customers/entities/customer.entity';
import { FeedbackEntity } from './feedback/entities/feedback.entity';
import { SettingEntity } from '@closeloop/persistence';
import { TicketCounterEntity } from './ticket-numbers/ticket-counter.entity';
import { IntakeInitial1763900000000 } from './migrations/1763900000000-IntakeInitial';

/** Intake's schema, entities and migrations: used by the app, the migration generator and the tests. */
export const intakePersistence = {
  schema: 'intake',
  entities: [
    CustomerEntity,
    CustomerContactEntity,
    CustomerExternalIdEntity,
    FeedbackEntity,
    TicketCounterEntity,
    SettingEntity,
  ],
  migrations: [IntakeInitial1763900000000],
};
