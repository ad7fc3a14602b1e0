import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobScheduler } from '../scheduling/job-scheduler';
import { nextLocalTime } from '../scheduling/next-local-time';
import { SettingsRepository } from '../settings/settings.repository';
import { SegmentService } from './segment.service';

/** The nightly G1 pass, once across replicas, at the settings' local time in the business time zone. */
@Injectable()
export class SegmentJobs implements OnModuleInit {
  constructor(
    private readonly scheduler: JobScheduler,
    private readonly segments: SegmentService,
    private readonly settings: SettingsRepository,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: 'segments-nightly',
      nextRun: async (after) => {
        const { nightly } = await this.settings.get('segments');
        return nextLocalTime(after, nightly.localTime, nightly.timeZone);
      },
      run: () => this.segments.nightly(),
    });
  }
}
