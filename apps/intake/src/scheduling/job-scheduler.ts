import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '@closeloop/persistence';
import { SERVICE_ENV } from '@closeloop/runtime';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { randomUUID } from 'node:crypto';
import type { IntakeEnv } from '../intake.env';

const log = createLogger('scheduler');
/** A claimed run renews its lease this often; a replica that died lets it expire after LEASE_MS. */
const HEARTBEAT_MS = 60_000;
const LEASE_MS = 5 * 60_000;
/** A failed run is tried again this much later. */
const RETRY_MS = 5 * 60_000;

export interface ScheduledJob {
  name: string;
  /** When the job runs next after `after` (business time zone and settings decide). */
  nextRun(after: Date): Promise<Date>;
  run(): Promise<unknown>;
}

/**
 * Runs recurring jobs once across replicas (architecture: scheduled work): each replica polls
 * `scheduled_jobs` every JOB_POLL_SECONDS and claims a due job with a lease in one UPDATE; only the one
 * whose update matched runs it. State is in the table, so restarts lose nothing: a due job stays due.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly jobs: ScheduledJob[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_ENV) private readonly env: IntakeEnv,
  ) {}

  register(job: ScheduledJob): void {
    this.jobs.push(job);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const job of this.jobs) {
      await this.dataSource.query(
        `INSERT INTO intake.scheduled_jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
        [job.name, await job.nextRun(new Date())],
      );
    }
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => log.error(errorFields(error), 'scheduler pass failed'))
        .finally(() => this.schedule());
    }, this.env.JOB_POLL_SECONDS * 1000);
    this.timer.unref();
  }

  /** Claims and runs every due job this replica wins; one pass. Exposed for tests and operators. */
  async tick(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of this.jobs) {
      if (this.stopped) break;
      if (await this.claim(job.name)) {
        await this.runClaimed(job);
        ran.push(job.name);
      }
    }
    return ran;
  }

  private async claim(name: string): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE intake.scheduled_jobs SET lease_until = now() + make_interval(secs => $2), last_started_at = now()
       WHERE name = $1 AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
       RETURNING name`,
        [name, LEASE_MS / 1000],
      ),
    );
    return rows.length > 0;
  }

  private async runClaimed(job: ScheduledJob): Promise<void> {
    const heartbeat = setInterval(() => {
      void this.dataSource
        .query(
          `UPDATE intake.scheduled_jobs SET lease_until = now() + make_interval(secs => $2) WHERE name = $1`,
          [job.name, LEASE_MS / 1000],
        )
        .catch((error: unknown) =>
          log.warn({ ...errorFields(error), job: job.name }, 'lease renewal failed'),
        );
    }, HEARTBEAT_MS);
    try {
      await runWithContext({ correlationId: `job-${randomUUID()}` }, () => job.run());
      await this.dataSource.query(
        `UPDATE intake.scheduled_jobs SET lease_until = NULL, last_finished_at = now(), last_error = NULL,
           runs = runs + 1, next_run_at = $2 WHERE name = $1`,
        [job.name, await job.nextRun(new Date())],
      );
    } catch (error) {
      log.error({ ...errorFields(error), job: job.name }, 'scheduled job failed; will retry');
      await this.dataSource.query(
        `UPDATE intake.scheduled_jobs SET lease_until = NULL, last_error = $2,
           next_run_at = now() + make_interval(secs => $3) WHERE name = $1`,
        [job.name, String((error as Error)?.message ?? error).slice(0, 2000), RETRY_MS / 1000],
      );
    } finally {
      clearInterval(heartbeat);
    }
  }
}
