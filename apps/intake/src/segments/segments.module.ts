import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module';
import { ActivityHandler } from './activity.handler';
import { ActivityRepository } from './activity.repository';
import { ActivityService } from './activity.service';
import { SegmentRepository } from './segment.repository';
import { SegmentScheduler } from './segment.scheduler';
import { SegmentService } from './segment.service';

/** Customer segments: activity as it happens, the nightly pass. */
@Module({
  imports: [SettingsModule],
  controllers: [ActivityHandler],
  providers: [SegmentRepository, SegmentService, ActivityRepository, ActivityService, SegmentScheduler],
  exports: [SegmentService],
})
export class SegmentsModule {}
