import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { SERVICE_ENV } from '@closeloop/runtime';
import type { RoutingEnv } from '../routing.env';
import { SlaSweepService } from './sla-sweep.service';

const log = createLogger('sla-sweep');

/** Scheduled work of routing that must run once however many replicas run (it claims its rows). */
export interface ScheduledJob {
  readonly name: string;
  run(now: Date): Promise<unknown>;
}

/**
 * Runs routing's scheduled work every SLA_SWEEP_INTERVAL_MS on every replica. Each job is safe to run on
 * several replicas at once and after a crash (row claims and unique keys, see SlaSweepService): the timer
 * only decides how soon work is noticed, never whether it happens twice. 0 turns the timer off (tests
 * drive the jobs themselves).
 */
@Injectable()
export class SlaSweepScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly jobs: ScheduledJob[];

  constructor(
    @Inject(SERVICE_ENV) private readonly env: RoutingEnv,
    sweep: SlaSweepService,
  ) {
    this.jobs = [{ name: 'sla-sweep', run: (now) => sweep.sweep(now) }];
  }

  /** Further jobs (improvement detection, …) join the same tick. */
  add(job: ScheduledJob): void {
    this.jobs.push(job);
  }

  onApplicationBootstrap(): void {
    if (this.env.SLA_SWEEP_INTERVAL_MS > 0) this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One tick: every job once, each failure logged and retried at the next tick. */
  async tick(now = new Date()): Promise<void> {
    for (const job of this.jobs) {
      await runWithContext({ correlationId: `${job.name}-${now.getTime()}` }, () => job.run(now)).catch(
        (error: unknown) =>
          log.error({ ...errorFields(error), job: job.name }, 'scheduled job failed; retried next tick'),
      );
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.env.SLA_SWEEP_INTERVAL_MS);
  }
}
