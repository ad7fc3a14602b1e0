export const SCHEDULING_OPTIONS = Symbol('SCHEDULING_OPTIONS');

export interface SchedulingOptions {
  /** The service's schema, which holds its `scheduled_jobs` table. */
  schema: string;
  /** The service's validated environment, handed to the jobs' `every` and `retryMs`. */
  env: unknown;
}
