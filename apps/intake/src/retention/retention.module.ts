import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { SettingsModule } from '../settings/settings.module';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

/** The retention purge (docs/privacy.md). */
@Module({
  imports: [SettingsModule, CustomersModule],
  providers: [RetentionRepository, RetentionService],
})
export class RetentionModule {}
