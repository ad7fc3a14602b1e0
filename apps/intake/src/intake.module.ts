import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { CustomerMatcher } from './customers/customer-matcher';
import { CustomerRepository } from './customers/customer.repository';
import { CustomersHandler } from './customers/customers.handler';
import { CustomersService } from './customers/customers.service';
import { PiiCipher, piiCipherFromEnv } from './customers/pii-cipher';
import { AuditHandler } from './audit/audit.handler';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { FeedbackHandler } from './feedback/feedback.handler';
import { FeedbackRepository } from './feedback/feedback.repository';
import { FeedbackService } from './feedback/feedback.service';
import type { IntakeEnv } from './intake.env';
import { intakePersistence } from './intake.persistence';
import { SettingsRepository } from './settings/settings.repository';
import { TicketNumberAllocator } from './ticket-numbers/ticket-number.allocator';

@Module({})
export class IntakeModule {
  static register(env: IntakeEnv): DynamicModule {
    return {
      module: IntakeModule,
      imports: [PlatformModule.forRoot({ service: 'intake', env, ...intakePersistence })],
      providers: [
        // Refuses the development keys in production.
        { provide: PiiCipher, useValue: piiCipherFromEnv(env) },
        CustomerMatcher,
        SettingsRepository,
        TicketNumberAllocator,
        FeedbackRepository,
        FeedbackService,
        FeedbackHandler,
        CustomerRepository,
        AuditRepository,
        CustomersService,
        CustomersHandler,
        AuditService,
        AuditHandler,
      ],
    };
  }
}
