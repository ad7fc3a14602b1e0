import { AuditEntryEntity } from './audit/entities/audit-entry.entity';
import { CustomerContactEntity } from './customers/entities/customer-contact.entity';
import { CustomerExternalIdEntity } from './customers/entities/customer-external-id.entity';
import { CustomerEntity } from './customers/entities/customer.entity';
import { CustomerActivityEntity } from './customers/entities/customer-activity.entity';
import { FeedbackEntity } from './feedback/entities/feedback.entity';
import { SettingEntity, SettingRevisionEntity } from '@closeloop/persistence';
import { OrderEntity } from './orders/entities/order.entity';
import { ImportChunkEntity } from './imports/entities/import-chunk.entity';
import { ImportErrorEntity } from './imports/entities/import-error.entity';
import { ImportJobEntity } from './imports/entities/import-job.entity';
import { SegmentBaselineEntity } from './segments/entities/segment-baseline.entity';
import { TicketCounterEntity } from './ticket-numbers/entities/ticket-counter.entity';
import { IntakeInitial1763900000000 } from './migrations/1763900000000-IntakeInitial';
import { CustomerPrivacy1795419773020 } from './migrations/1795419773020-CustomerPrivacy';
import { RecordingSettings1796155400588 } from './migrations/1796155400588-RecordingSettings';
import { CustomerRegistry1796155920802 } from './migrations/1796155920802-CustomerRegistry';
import { CustomerImports1796156725702 } from './migrations/1796156725702-CustomerImports';
import { PartialCustomerIndexes1796158651296 } from './migrations/1796158651296-PartialCustomerIndexes';
import { BatchAuditRows1796167300000 } from './migrations/1796167300000-BatchAuditRows';
import { ImportCommittedLines1796170000000 } from './migrations/1796170000000-ImportCommittedLines';
import { ConsentColumns1796170100000 } from './migrations/1796170100000-ConsentColumns';
import { StatementCustomerReferences1796180000000 } from './migrations/1796180000000-StatementCustomerReferences';
import { BinaryKeyedHashes1796180100000 } from './migrations/1796180100000-BinaryKeyedHashes';
import { LockingCustomerReferences1796190000000 } from './migrations/1796190000000-LockingCustomerReferences';
import { ContactSearchLimits1796672640093 } from './migrations/1796672640093-ContactSearchLimits';
import { ContactSearchCounterEntity } from './customers/entities/contact-search-counter.entity';
import { ScheduledJobs1796672872445 } from './migrations/1796672872445-ScheduledJobs';
import { ImportLeaseFence1796672872446 } from './migrations/1796672872446-ImportLeaseFence';
import { FeedbackTicketOpened1796672872447 } from './migrations/1796672872447-FeedbackTicketOpened';

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
    AuditEntryEntity,
    CustomerActivityEntity,
    OrderEntity,
    SettingRevisionEntity,
    SegmentBaselineEntity,
    ImportJobEntity,
    ImportChunkEntity,
    ImportErrorEntity,
    ContactSearchCounterEntity,
  ],
  migrations: [
    IntakeInitial1763900000000,
    CustomerPrivacy1795419773020,
    // one migration a line, so branches that each add one merge cleanly
    RecordingSettings1796155400588,
    CustomerRegistry1796155920802,
    CustomerImports1796156725702,
    PartialCustomerIndexes1796158651296,
    BatchAuditRows1796167300000,
    ImportCommittedLines1796170000000,
    ConsentColumns1796170100000,
    StatementCustomerReferences1796180000000,
    BinaryKeyedHashes1796180100000,
    LockingCustomerReferences1796190000000,
    ContactSearchLimits1796672640093,
    ScheduledJobs1796672872445,
    ImportLeaseFence1796672872446,
    FeedbackTicketOpened1796672872447,
  ],
};
