import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { CustomerMatcherService } from './customers/customer-matcher.service';
import { CustomerMergeRepository } from './customers/customer-merge.repository';
import { CustomerMergeService } from './customers/customer-merge.service';
import { CustomerPresenter } from './customers/customer.presenter';
import { CustomerRegistryService } from './customers/customer-registry.service';
import { CustomerRepository } from './customers/customer.repository';
import { CustomersHandler } from './customers/customers.handler';
import { CustomersService } from './customers/customers.service';
import { ContactSearchGuard } from './customers/contact-search.guard';
import { ContactSearchRepository } from './customers/contact-search.repository';
import { PiiCipher, piiCipherFromEnv } from './customers/pii-cipher';
import { AuditHandler } from './audit/audit.handler';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { FeedbackHandler } from './feedback/feedback.handler';
import { FeedbackReconciliationScheduler } from './feedback/feedback-reconciliation.scheduler';
import { FeedbackReconciliationRepository } from './feedback/feedback-reconciliation.repository';
import { FeedbackTicketHandler } from './feedback/feedback-ticket.handler';
import { FeedbackRepository } from './feedback/feedback.repository';
import { FeedbackService } from './feedback/feedback.service';
import type { IntakeEnv } from './intake.env';
import { intakePersistence } from './intake.persistence';
import { OrderRepository } from './orders/order.repository';
import { OrderService } from './orders/order.service';
import { OrdersHandler } from './orders/orders.handler';
import { CustomerImportWriter } from './imports/customer-import.writer';
import { ImportRepository } from './imports/import.repository';
import { ImportRunner } from './imports/import.runner';
import { ImportService } from './imports/import.service';
import { ImportsHandler } from './imports/imports.handler';
import { PreparePoolService } from './imports/prepare-pool.service';
import { OrderImportWriter } from './imports/order-import.writer';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionService } from './retention/retention.service';
import { ActivityHandler } from './segments/activity.handler';
import { ActivityRepository } from './segments/activity.repository';
import { ActivityService } from './segments/activity.service';
import { SegmentScheduler } from './segments/segment.scheduler';
import { SegmentRepository } from './segments/segment.repository';
import { SegmentService } from './segments/segment.service';
import { SettingsAdminService } from './settings/settings-admin.service';
import { SettingsHandler } from './settings/settings.handler';
import { IntakeSettingsRepository } from './settings/intake-settings.repository';
import { TicketNumberRepository } from './ticket-numbers/ticket-number.repository';

@Module({})
export class IntakeModule {
  static register(env: IntakeEnv): DynamicModule {
    return {
      module: IntakeModule,
      imports: [PlatformModule.forRoot({ service: 'intake', env, ...intakePersistence })],
      // The NATS edges: @MessagePattern and @EventPattern methods, served by the platform (decision 0019).
      controllers: [
        FeedbackHandler,
        CustomersHandler,
        AuditHandler,
        OrdersHandler,
        ActivityHandler,
        SettingsHandler,
        ImportsHandler,
        FeedbackTicketHandler,
      ],
      providers: [
        // Refuses the development keys in production.
        { provide: PiiCipher, useValue: piiCipherFromEnv(env) },
        CustomerMatcherService,
        IntakeSettingsRepository,
        TicketNumberRepository,
        FeedbackRepository,
        FeedbackService,
        FeedbackReconciliationRepository,
        FeedbackReconciliationScheduler,
        CustomerRepository,
        CustomerPresenter,
        AuditRepository,
        CustomersService,
        ContactSearchRepository,
        ContactSearchGuard,
        CustomerRegistryService,
        CustomerMergeRepository,
        CustomerMergeService,
        AuditService,
        OrderRepository,
        OrderService,
        SegmentRepository,
        SegmentService,
        ActivityRepository,
        ActivityService,
        SegmentScheduler,
        SettingsAdminService,
        ImportRepository,
        ImportService,
        CustomerImportWriter,
        OrderImportWriter,
        PreparePoolService,
        ImportRunner,
        RetentionRepository,
        RetentionService,
      ],
    };
  }
}
