import { Module } from '@nestjs/common';
import { SERVICE_ENV } from '@closeloop/runtime';
import { AuditModule } from '../audit/audit.module';
import type { IntakeEnv } from '../intake.env';
import { SegmentsModule } from '../segments/segments.module';
import { SettingsModule } from '../settings/settings.module';
import { ContactSearchGuard } from './contact-search.guard';
import { ContactSearchRepository } from './contact-search.repository';
import { CustomerMatcherService } from './customer-matcher.service';
import { CustomerMergeRepository } from './customer-merge.repository';
import { CustomerMergeService } from './customer-merge.service';
import { CustomerRegistryService } from './customer-registry.service';
import { CustomerPresenter } from './customer.presenter';
import { CustomerRepository } from './customer.repository';
import { CustomersHandler } from './customers.handler';
import { CustomersService } from './customers.service';
import { PiiCipher, piiCipherFromEnv } from './pii-cipher';

/** The customer registry: matching, contacts, merges, erasure, and the cipher of their personal data. */
@Module({
  imports: [SettingsModule, AuditModule, SegmentsModule],
  controllers: [CustomersHandler],
  providers: [
    // Refuses the development keys in production.
    { provide: PiiCipher, useFactory: (env: IntakeEnv) => piiCipherFromEnv(env), inject: [SERVICE_ENV] },
    CustomerMatcherService,
    CustomerRepository,
    CustomerPresenter,
    CustomersService,
    ContactSearchRepository,
    ContactSearchGuard,
    CustomerRegistryService,
    CustomerMergeRepository,
    CustomerMergeService,
  ],
  exports: [PiiCipher, CustomerMatcherService, CustomerRepository, CustomersService],
})
export class CustomersModule {}
