import { AsyncLocalStorage } from 'node:async_hooks';

/** What a running job can ask: whether it should stop (shutdown, or its claim was lost), and its token. */
export interface JobRun {
  readonly name: string;
  /** The claim's fencing token (raised by every claim of the job). */
  readonly fence: number;
  /** Aborted when the replica shuts down or a heartbeat found another replica holding the job. */
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<JobRun>();

export function runInJob<T>(run: JobRun, fn: () => Promise<T>): Promise<T> {
  return storage.run(run, fn);
}

/** The scheduled run this code runs in, or undefined for a direct call (a test, an operator). */
export function currentJobRun(): JobRun | undefined {
  return storage.getStore();
}
