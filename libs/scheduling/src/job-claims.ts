import type { DataSource } from 'typeorm';
import { quoteIdent, returnedRows } from '@closeloop/persistence';

export type JobOutcome = 'succeeded' | 'failed';

/** The row of one job in `<schema>.scheduled_jobs` (for operators and tests). */
export interface JobState {
  name: string;
  nextRunAt: Date;
  fence: number;
  holder: string | null;
  leaseUntil: Date | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastOutcome: JobOutcome | 'abandoned' | null;
  lastError: string | null;
  runs: number;
  failures: number;
}

/**
 * The claims of scheduled jobs in one service's schema. Every time is the database's `now()`, so the
 * replicas' clocks do not matter. A claim raises the job's fencing token; a heartbeat or finish that names
 * an older token changes nothing and says so (false).
 */
export class JobClaims {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.scheduled_jobs`;
  }

  /** Adds the job with its first due time; an existing row (state of earlier runs) is kept. */
  async register(name: string, firstRun: Date | null, everyMs: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (name, next_run_at)
       VALUES ($1, COALESCE($2::timestamptz, now() + make_interval(secs => $3::float8 / 1000)))
       ON CONFLICT (name) DO NOTHING`,
      [name, firstRun, everyMs],
    );
  }

  /**
   * Claims the job when it is due and nobody holds a live lease: returns the new fencing token, or null.
   * Taking over an expired lease records the run that held it as abandoned.
   */
  async claim(name: string, holder: string, leaseMs: number): Promise<number | null> {
    const rows = returnedRows<{ fence: string }>(
      await this.dataSource.query(
        `UPDATE ${this.table} SET fence = fence + 1, holder = $2,
           lease_until = now() + make_interval(secs => $3::float8 / 1000), last_started_at = now(),
           last_outcome = CASE WHEN lease_until IS NULL THEN last_outcome ELSE 'abandoned' END
         WHERE name = $1 AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
         RETURNING fence`,
        [name, holder, leaseMs],
      ),
    );
    return rows[0] ? Number(rows[0].fence) : null;
  }

  /** Renews the lease; false when `fence` is no longer the job's token (another replica took over). */
  async heartbeat(name: string, fence: number, leaseMs: number): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE ${this.table} SET lease_until = now() + make_interval(secs => $3::float8 / 1000)
         WHERE name = $1 AND fence = $2 AND lease_until IS NOT NULL RETURNING name`,
        [name, fence, leaseMs],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Records the run's outcome, releases the lease and sets the next due time (`nextRun`, or `afterMs`
   * after the run started). False when `fence` is stale: nothing is written.
   */
  async finish(
    name: string,
    fence: number,
    result: { outcome: JobOutcome; error: string | null; nextRun: Date | null; afterMs: number },
  ): Promise<boolean> {
    const ok = result.outcome === 'succeeded';
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE ${this.table} SET lease_until = NULL, holder = NULL, last_finished_at = now(),
           last_outcome = $3, last_error = $4, runs = runs + $5, failures = failures + $6,
           next_run_at = COALESCE($7::timestamptz,
             ${ok ? 'last_started_at' : 'now()'} + make_interval(secs => $8::float8 / 1000))
         WHERE name = $1 AND fence = $2 RETURNING name`,
        [name, fence, result.outcome, result.error, ok ? 1 : 0, ok ? 0 : 1, result.nextRun, result.afterMs],
      ),
    );
    return rows.length > 0;
  }

  async state(name: string): Promise<JobState | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      name: row.name as string,
      nextRunAt: row.next_run_at as Date,
      fence: Number(row.fence),
      holder: row.holder as string | null,
      leaseUntil: row.lease_until as Date | null,
      lastStartedAt: row.last_started_at as Date | null,
      lastFinishedAt: row.last_finished_at as Date | null,
      lastOutcome: row.last_outcome as JobState['lastOutcome'],
      lastError: row.last_error as string | null,
      runs: row.runs as number,
      failures: row.failures as number,
    };
  }
}
