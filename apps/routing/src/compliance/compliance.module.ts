import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module';
import { ComplianceHandler } from './compliance.handler';
import { ComplianceRepository } from './compliance.repository';
import { ComplianceService } from './compliance.service';

/** SLA compliance reports. */
@Module({
  imports: [SettingsModule],
  controllers: [ComplianceHandler],
  providers: [ComplianceRepository, ComplianceService],
})
export class ComplianceModule {}
