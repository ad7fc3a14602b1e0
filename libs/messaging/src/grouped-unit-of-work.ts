import { AsyncResource } from 'node:async_hooks';
import type { DataSource } from 'typeorm';
import { createLogger, errorFields } from '@closeloop/observability';
import type { OutboxWriter } from './outbox';
import type { OutboxRelay } from './outbox-relay';
import {
  beginTransaction,
  BufferedTx,
  commitOrResolve,
  CommitOutcomeUnknownError,
  runInTransaction,
  type Tx,
} from './unit-of-work';

export interface GroupCommitOptions {
  /** Most items committed in one transaction (1: every item alone, as UnitOfWork does). */
  maxGroupSize: number;
  /** Group transactions at once; each holds one pooled connection while it runs. */
  maxInFlight: number;
}

/**
 * Work a group does once for all of its items before any of them runs: one lookup for the keys of every
 * item instead of one per item, its result kept on the transaction (`tx.local`). An item that runs alone
 * (a group of one, or after its group was rolled back) gets the step too, for its own input only, so the
 * item's work has one path.
 */
export interface GroupStep<I> {
  prepare(tx: Tx, inputs: readonly I[]): Promise<void>;
}

/** What an item asks a step to prepare: the step, and the item's input to it. */
export interface GroupStepInput<I> {
  step: GroupStep<I>;
  input: I;
}

interface Item {
  /** The caller's work, bound to the caller's async context (correlation id, logs, envelopes). */
  work: (tx: Tx) => Promise<unknown>;
  step?: GroupStepInput<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit: `run()` calls made at about the same time share one transaction, so their commits (and
 * their outbox and deferred inserts, written as multi-row statements) cost one round trip and one disk
 * flush instead of one each. No timer: a call starts a group at once when a slot is free; while all
 * `maxInFlight` groups run, the calls that arrive wait and form the next group, up to `maxGroupSize`. So
 * under light load a call waits for nothing, and under heavy load groups grow by themselves.
 *
 * Items run one after another on the group's connection, each in its caller's async context. If any item
 * throws, or the deferred inserts fail, the group is rolled back and every item is run again alone in a
 * transaction of its own: one bad item fails only its own caller. Work must therefore be safe to run
 * twice up to its commit (database work through `tx` only; nothing sent or changed outside before it
 * resolves). The deferred rows, the outbox rows and the COMMIT go in one round trip; when Postgres refuses
 * any of them (a unique violation, a deferred constraint) the group was rolled back, and the same holds.
 * But when the connection fails on that last round trip (a socket error, a closed connection, a backend
 * ended), the COMMIT may have taken effect, and running the items again could store them twice: the
 * outcome is read back by the transaction's id (`commitOrResolve`). Committed, every caller gets its
 * result; aborted, the items run alone as above; still unknown (the server cannot be asked), every item is
 * rejected with `CommitOutcomeUnknownError`, never run again.
 *
 * Suited to short transactions on a hot path (intake's submissions); a slow item delays its group.
 */
export class GroupedUnitOfWork {
  private readonly log = createLogger('group-commit');
  private readonly waiting: Item[] = [];
  private inFlight = 0;
  private dispatchScheduled = false;
  /** Group machinery runs outside any caller's context; only the items run in theirs. */
  private readonly root = new AsyncResource('GroupedUnitOfWork');

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly relay: Pick<OutboxRelay, 'kick'>,
    private readonly options: GroupCommitOptions,
  ) {
    if (options.maxGroupSize < 1 || options.maxInFlight < 1) {
      throw new Error('group commit needs maxGroupSize >= 1 and maxInFlight >= 1');
    }
  }

  /**
   * Runs work in a transaction shared with concurrent calls; resolves after that transaction committed.
   * A `step` runs once per transaction, with the inputs of all its items, before the items' work.
   */
  run<T, I = never>(work: (tx: Tx) => Promise<T>, step?: GroupStepInput<I>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        work: AsyncResource.bind(work),
        step,
        resolve,
        reject,
      });
      this.scheduleDispatch();
    });
  }

  /** Calls waiting for a group (for tests and metrics). */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Starts groups after the I/O callbacks of this turn of the event loop, so calls that arrived together
   * share a group even when a slot is free.
   */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled || this.inFlight >= this.options.maxInFlight) return;
    this.dispatchScheduled = true;
    this.root.runInAsyncScope(() =>
      setImmediate(() => {
        this.dispatchScheduled = false;
        this.dispatch();
      }),
    );
  }

  private dispatch(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxGroupSize);
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.scheduleDispatch();
      });
    }
  }

  private async commit(items: Item[]): Promise<void> {
    if (items.length > 1 && (await this.commitTogether(items))) return;
    for (const item of items) await this.commitAlone(item);
  }

  /** One transaction for the group; false when it was rolled back and its items must run alone. */
  private async commitTogether(items: Item[]): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    try {
      let opened: { tx: BufferedTx; xid: string; results: unknown[] };
      try {
        const xid = await beginTransaction(runner);
        const tx = new BufferedTx(runner.manager, this.outbox);
        await prepare(tx, items);
        const results: unknown[] = [];
        for (const item of items) results.push(await item.work(tx));
        opened = { tx, xid, results };
      } catch (error) {
        // An item failed, or the group could not connect or begin: nothing is stored.
        this.log.debug(
          { ...errorFields(error), items: items.length },
          'group rolled back; running its items one by one',
        );
        await runner.rollbackTransaction().catch(() => undefined);
        return false;
      }
      // The deferred rows, the outbox rows and the COMMIT in one round trip (see runInTransaction for
      // why TypeORM's commitTransaction is not called; the runner is only released after this).
      const commit = await commitOrResolve(this.dataSource, runner, opened.tx, opened.xid);
      if (!commit.committed) {
        // Postgres refused a row or the COMMIT, or says the transaction was aborted: nothing was stored,
        // the items may run alone. Otherwise nobody can tell, and nothing may run again.
        if (commit.outcome !== 'unknown') return false;
        for (const item of items) item.reject(new CommitOutcomeUnknownError(commit.error));
        return true;
      }
      if (opened.tx.emitted) this.relay.kick();
      items.forEach((item, i) => item.resolve(opened.results[i]));
      return true;
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  private async commitAlone(item: Item): Promise<void> {
    try {
      const { result, emitted } = await runInTransaction(this.dataSource, this.outbox, async (tx) => {
        await prepare(tx, [item]);
        return item.work(tx);
      });
      if (emitted) this.relay.kick();
      item.resolve(result);
    } catch (error) {
      item.reject(error);
    }
  }
}

/** Each step the items asked for, once, with their inputs in item order (in the group machinery's context). */
async function prepare(tx: Tx, items: readonly Item[]): Promise<void> {
  const inputs = new Map<GroupStep<unknown>, unknown[]>();
  for (const { step } of items) {
    if (!step) continue;
    const list = inputs.get(step.step);
    if (list) list.push(step.input);
    else inputs.set(step.step, [step.input]);
  }
  for (const [step, list] of inputs) await step.prepare(tx, list);
}
