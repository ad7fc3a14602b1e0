import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { pgErrorCode } from '@closeloop/persistence';
import { JobClaims } from './job-claims';
import { runInJob } from './job-run';
import { SCHEDULED_JOB, type ScheduledJobMetadata } from './scheduled-job.decorator';
import { SCHEDULING_OPTIONS, type SchedulingOptions } from './scheduling.options';

const log = createLogger('scheduler');
const DEFAULT_LEASE_MS = 60_000;

interface Job {
  name: string;
  everyMs: number;
  leaseMs: number;
  retryMs: number;
  nextRun: ((after: Date) => Date | Promise<Date>) | undefined;
  run: () => Promise<unknown>;
  /** The run in progress in this replica (a run never overlaps itself here). */
  running?: Promise<boolean>;
  /** A trigger came during the run: look again as soon as it ends. */
  again?: boolean;
}

/**
 * Runs the methods marked `@ScheduledJob` (found at start with Nest's DiscoveryService): @nestjs/schedule's
 * SchedulerRegistry holds one interval per job and replica; at each tick the replica claims the job in
 * `<schema>.scheduled_jobs` if it is due, runs it, renews the lease while it runs and records the outcome,
 * every write naming the claim's fencing token (decision 0022). So a due run happens once across replicas,
 * never twice at once in a replica, and a replica that died mid-run is taken over after its lease.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly jobs = new Map<string, Job>();
  private readonly claims: JobClaims;
  /** This process, as the holder named in claims (for operators: which replica runs what). */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(SCHEDULING_OPTIONS) private readonly options: SchedulingOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: SchedulerRegistry,
    dataSource: DataSource,
  ) {
    this.claims = new JobClaims(dataSource, options.schema);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.discover();
    for (const job of this.jobs.values()) {
      if (job.everyMs <= 0) continue;
      await this.claims.register(job.name, job.nextRun ? await job.nextRun(new Date()) : null, job.everyMs);
      const timer = setInterval(() => this.trigger(job.name), job.everyMs);
      timer.unref();
      this.registry.addInterval(`scheduled-job:${job.name}`, timer);
    }
    log.info(
      { jobs: [...this.jobs.values()].filter((j) => j.everyMs > 0).map((j) => j.name) },
      'jobs scheduled',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    for (const job of this.jobs.values()) {
      const key = `scheduled-job:${job.name}`;
      if (this.registry.doesExist('interval', key)) this.registry.deleteInterval(key);
    }
    await Promise.allSettled([...this.jobs.values()].flatMap((job) => (job.running ? [job.running] : [])));
  }

  /** The jobs this replica runs (a job whose `every` is 0 here is left out). */
  names(): string[] {
    return [...this.jobs.values()].filter((job) => job.everyMs > 0).map((job) => job.name);
  }

  /**
   * Looks for work now instead of at the next tick (work has just arrived): runs the job if it is due and
   * this replica wins the claim, or right after the run in progress here. Nothing for a job that is off.
   */
  trigger(name: string): void {
    const job = this.jobs.get(name);
    if (!job || job.everyMs <= 0 || this.stopping.signal.aborted) return;
    if (job.running) {
      job.again = true;
      return;
    }
    void this.runIfDue(job);
  }

  /**
   * One pass over the jobs named (default: every job this replica runs): the names of those it claimed and
   * ran. For tests and operators.
   */
  async tick(...names: string[]): Promise<string[]> {
    const ran: string[] = [];
    for (const job of this.jobs.values()) {
      if (job.everyMs <= 0 || this.stopping.signal.aborted) continue;
      if (names.length > 0 && !names.includes(job.name)) continue;
      if (await this.runIfDue(job)) ran.push(job.name);
    }
    return ran;
  }

  /** Claims and runs the job when due; true when this call ran it. Waits for a run already in progress. */
  runIfDue(job: Job | string): Promise<boolean> {
    const found = typeof job === 'string' ? this.jobs.get(job) : job;
    if (!found) throw new Error(`no scheduled job ${typeof job === 'string' ? job : job.name}`);
    if (found.running) return found.running.then(() => false);
    const running = this.claimAndRun(found).finally(() => {
      found.running = undefined;
      if (found.again) {
        found.again = false;
        this.trigger(found.name);
      }
    });
    found.running = running;
    return running;
  }

  private async claimAndRun(job: Job): Promise<boolean> {
    let fence: number | null;
    try {
      fence = await this.claims.claim(job.name, this.holder, job.leaseMs);
    } catch (error) {
      log.warn(
        { ...errorFields(error), job: job.name },
        'could not claim the job; the next tick tries again',
      );
      return false;
    }
    if (fence === null) return false;
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.stopping.signal]);
    const heartbeat = setInterval(() => {
      this.claims.heartbeat(job.name, fence, job.leaseMs).then(
        (held) => {
          if (held) return;
          log.error({ job: job.name, fence }, 'another replica took the job over: this run stops');
          lost.abort();
        },
        (error: unknown) => log.warn({ ...errorFields(error), job: job.name }, 'lease renewal failed'),
      );
    }, job.leaseMs / 3);
    heartbeat.unref();
    let outcome: { outcome: 'succeeded' | 'failed'; error: string | null };
    try {
      await runWithContext({ correlationId: `job-${job.name}-${randomUUID()}` }, () =>
        runInJob({ name: job.name, fence, signal }, job.run),
      );
      outcome = { outcome: 'succeeded', error: null };
    } catch (error) {
      log.error({ ...errorFields(error), job: job.name }, 'scheduled job failed; it is retried later');
      outcome = { outcome: 'failed', error: errorText(error) };
    } finally {
      clearInterval(heartbeat);
    }
    const ok = outcome.outcome === 'succeeded';
    try {
      const nextRun = ok && job.nextRun ? await job.nextRun(new Date()) : null;
      // An interval job is due a little before its next tick, so the timer's jitter never skips a period.
      const afterMs = ok ? job.everyMs - Math.min(job.everyMs / 5, 1_000) : job.retryMs;
      const recorded = await this.claims.finish(job.name, fence, { ...outcome, nextRun, afterMs });
      if (!recorded)
        log.error({ job: job.name, fence }, 'the job was taken over: its outcome is not recorded');
    } catch (error) {
      // The lease expires and the job runs again (every job is idempotent).
      log.error({ ...errorFields(error), job: job.name }, 'could not record the run');
    }
    return true;
  }

  private discover(): void {
    const env = this.options.env as never;
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<ScheduledJobMetadata | undefined>(SCHEDULED_JOB, fn);
        if (!meta) continue;
        if (this.jobs.has(meta.name)) throw new Error(`two scheduled jobs named ${meta.name}`);
        const everyMs = meta.options.every(env);
        const nextRun = meta.options.nextRun;
        this.jobs.set(meta.name, {
          name: meta.name,
          everyMs,
          leaseMs: meta.options.leaseMs ?? DEFAULT_LEASE_MS,
          retryMs: meta.options.retryMs?.(env) ?? Math.max(everyMs, 1_000),
          nextRun: nextRun ? (after) => nextRun(instance as never, after) : undefined,
          run: () => (fn as () => Promise<unknown>).call(instance),
        });
      }
    }
  }
}

/**
 * The error as recorded with the run, without customer data: a database error by its class and SQLSTATE
 * only (Postgres puts input values in some messages, e.g. 22P02); any other error by its class and message
 * (job code names ids only). Never a stack.
 */
function errorText(error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const code = pgErrorCode(error);
  if (code) return `${name} ${code}`;
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${message}`.slice(0, 1_000);
}
