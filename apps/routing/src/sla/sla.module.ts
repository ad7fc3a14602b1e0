import { Module } from '@nestjs/common';
import { OrgModule } from '../org/org.module';
import { SettingsModule } from '../settings/settings.module';
import { CalendarCoverageScheduler } from './calendar-coverage.scheduler';
import { SlaOutcomeRepository } from './sla-outcome.repository';

/** SLA rules as functions of values (due times, the clock), the recorded outcomes and the calendar coverage warning. */
@Module({
  imports: [SettingsModule, OrgModule],
  providers: [SlaOutcomeRepository, CalendarCoverageScheduler],
  exports: [SlaOutcomeRepository],
})
export class SlaModule {}
