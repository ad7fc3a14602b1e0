import { SetMetadata } from '@nestjs/common';

export const SCHEDULED_JOB = Symbol('closeloop:scheduled-job');

/**
 * How a job is scheduled. The functions read the service's validated environment (and, for `nextRun`, the
 * instance that declares the job, e.g. to read settings); they are called at start and after every run.
 */
export interface ScheduledJobOptions<E = unknown, T = unknown> {
  /**
   * How often this replica's timer looks whether a run is due, in ms (an interval in @nestjs/schedule's
   * SchedulerRegistry). 0 turns the job off in this replica: no timer, no run (tests drive it directly).
   */
  every: (env: E) => number;
  /**
   * When the run after one that ended at `after` is due (also the first run, with `after` = start). Default:
   * an interval job, due `every` after its last run started.
   */
  nextRun?: (self: T, after: Date) => Date | Promise<Date>;
  /**
   * How long a claim holds without a heartbeat (renewed every third of it while the run goes on): a replica
   * that died mid-run is taken over this long after its last heartbeat. Default 60 s.
   */
  leaseMs?: number;
  /** A failed run is due again this much later. Default: `every`, at least 1 s. */
  retryMs?: (env: E) => number;
}

export interface ScheduledJobMetadata {
  name: string;
  options: ScheduledJobOptions<never, never>;
}

/**
 * Declares the method as a recurring job, run once across replicas whenever it is due (decision 0022). The
 * method is called without arguments; it reads `currentJobRun()` for its abort signal (shutdown, or the
 * claim lost to another replica after a stall). Direct calls (tests, operators) bypass the claim.
 *
 * @example `@ScheduledJob('sla-sweep', { every: (env: RoutingEnv) => env.SLA_SWEEP_INTERVAL_MS })`
 */
export function ScheduledJob<E, T>(name: string, options: ScheduledJobOptions<E, T>): MethodDecorator {
  if (!/^[a-z0-9][a-z0-9.-]{0,63}$/.test(name)) throw new Error(`bad scheduled job name: ${name}`);
  const metadata: ScheduledJobMetadata = { name, options };
  return SetMetadata(SCHEDULED_JOB, metadata);
}
