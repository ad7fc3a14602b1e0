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

/**
 * Runs `step` (which handles at most `batch` rows, in a transaction of its own, and returns how many) again
 * and again until a short batch says nothing is left, or the current run is cancelled (shutdown, claim
 * lost): a job's work in short transactions, no long lock on a busy table. Returns the rows handled.
 */
export async function inBatches(batch: number, step: () => Promise<number>): Promise<number> {
  const signal = currentJobRun()?.signal;
  let total = 0;
  for (;;) {
    const count = await step();
    total += count;
    if (count < batch || signal?.aborted) return total;
  }
}
