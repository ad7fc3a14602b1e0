import { Injectable } from '@nestjs/common';
import { ScheduledJob } from '@closeloop/scheduling';
import type { IntakeEnv } from '../intake.env';
import { nextNightly } from '../settings/nightly';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { SegmentService } from './segment.service';

/** The nightly G1 pass, once across replicas, at the settings' local time in the business time zone. */
@Injectable()
export class SegmentScheduler {
  constructor(
    private readonly segments: SegmentService,
    private readonly settings: IntakeSettingsRepository,
  ) {}

  @ScheduledJob('segments-nightly', {
    every: (env: IntakeEnv) => env.JOB_POLL_SECONDS * 1000,
    nextRun: (self: SegmentScheduler, after) => nextNightly(self.settings, after),
    retryMs: () => 5 * 60_000,
  })
  async nightly(): Promise<void> {
    await this.segments.nightly();
  }
}
