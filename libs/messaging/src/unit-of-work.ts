import type { PoolClient, QueryResult } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { EventDefinition, EventEnvelope } from '@closeloop/contracts';
import { createLogger, errorFields } from '@closeloop/observability';
import {
  markTransactionStarted,
  refusedByServer,
  sendTogether,
  valueStatements,
  type DeferredInsert,
  type PgQueryable,
  type Statement,
} from '@closeloop/persistence';
import type { OutboxEvent, OutboxWriter } from './outbox';
import type { OutboxRelay } from './outbox-relay';

export {
  DeferredInsert,
  insertRows,
  UnnestInsert,
  type ColumnMap,
  type ColumnOf,
  type ArrayColumnMap,
} from '@closeloop/persistence';

/**
 * A transaction in progress: the entity manager, a way to emit events that commit with it, and deferred
 * inserts: rows given to `deferInsert` are written, with the other rows of the same statement, just before
 * the commit. A constraint they break then fails the commit of the whole unit of work (in a group, the
 * group is re-run one item at a time, so the error reaches the caller whose row broke it). Use it for rows
 * nothing reads back inside the transaction.
 */
export interface Tx {
  readonly manager: EntityManager;
  publish<T extends object>(
    definition: EventDefinition<T>,
    data: T,
    options?: { id?: string; time?: Date },
  ): Promise<EventEnvelope<T>>;
  deferInsert<Row extends object>(insert: DeferredInsert<Row, unknown>, row: Row): void;
  /**
   * A value kept for the life of this transaction under `key` (created by `init` on first use): what a
   * group step prepared for the items that share the transaction (see `GroupStep`).
   */
  local<T>(key: object | symbol, init: () => T): T;
}

/**
 * The transaction handed to work: events are validated and enveloped when published, and written to the
 * outbox together with the deferred rows in multi-row statements with the commit (`flushAndCommit`).
 * Shared by the items of a group and by the events of a consumer batch.
 */
export class BufferedTx implements Tx {
  private readonly events: OutboxEvent[] = [];
  private readonly deferred = new Map<DeferredInsert<object, unknown>, unknown[][]>();
  private readonly locals = new Map<object | symbol, unknown>();
  private published = false;

  constructor(
    readonly manager: EntityManager,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Async so that an invalid payload rejects the caller's await, as a write would. */
  async publish<T extends object>(
    definition: EventDefinition<T>,
    data: T,
    options?: { id?: string; time?: Date },
  ): Promise<EventEnvelope<T>> {
    const event = this.outbox.event(definition, data, options);
    this.events.push(event);
    this.published = true;
    return Promise.resolve(event.envelope);
  }

  deferInsert<Row extends object>(insert: DeferredInsert<Row, unknown>, row: Row): void {
    const values = insert.valuesOf(row);
    const rows = this.deferred.get(insert);
    if (rows) rows.push(values);
    else this.deferred.set(insert, [values]);
  }

  local<T>(key: object | symbol, init: () => T): T {
    if (!this.locals.has(key)) this.locals.set(key, init());
    return this.locals.get(key) as T;
  }

  /** True when events were published: the relay is worth waking after the commit. */
  get emitted(): boolean {
    return this.published;
  }

  /**
   * Writes the deferred rows (by the inserts' `order`, then in the order first used), then the outbox rows,
   * and commits: multi-row statements with their values as bind parameters and the COMMIT, all sent in one
   * round trip (`sendTogether`; decision 0015: a group of submissions went from six round trips here to
   * one). No value is ever part of the SQL text, so a failed statement logs none (issue 14). Postgres runs
   * the statements in order and stops at the first that fails, whose error is the one thrown (a unique
   * violation names its constraint as before); the COMMIT is skipped then and the transaction left aborted:
   * the caller rolls it back. When the COMMIT itself is refused, Postgres has rolled back already (a
   * ROLLBACK after it only warns).
   */
  async flushAndCommit(): Promise<void> {
    const client = (await this.manager.queryRunner?.connect()) as PgQueryable | undefined;
    if (!client) throw new Error('a BufferedTx needs the entity manager of a query runner');
    await sendTogether(client, [...this.takeStatements(), { text: 'COMMIT' }]);
  }

  private takeStatements(): Statement[] {
    const inserts = [...this.deferred.keys()].sort((a, b) => a.order - b.order);
    const statements = inserts.flatMap((insert) => valueStatements(insert, this.deferred.get(insert) ?? []));
    this.deferred.clear();
    if (this.events.length > 0) statements.push(...this.outbox.insertStatements(this.events.splice(0)));
    return statements;
  }
}

const log = createLogger('unit-of-work');

/**
 * The connection failed while a COMMIT was on its way or its answer was, and what became of the transaction
 * could not be read back either: it may have committed. Never worth running the work again for (it could be
 * stored twice), so not a transient error.
 */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('the connection failed during COMMIT and whether the transaction committed is unknown', { cause });
    this.name = 'CommitOutcomeUnknownError';
  }
}

/**
 * Begins the runner's transaction and learns its id (`pg_current_xact_id()`) in the same round trip, so that
 * the outcome of a COMMIT whose answer is lost can be asked of the server afterwards (`commitOrResolve`).
 * The id is assigned at once rather than at the first write; the work of a unit writes anyway.
 *
 * Records on the runner what its `startTransaction()` records (before sending, as it does, so a failed
 * begin is rolled back by `rollbackTransaction`; the adapter libs/persistence/src/typeorm-internals.ts):
 * TypeORM's own writes (`save`, `insert`) then join this transaction instead of opening one. Its transaction
 * events are not broadcast (no subscriber listens to them here; commits are not TypeORM's either, see
 * runInTransaction).
 */
export async function beginTransaction(runner: QueryRunner): Promise<string> {
  const client = (await runner.connect()) as PoolClient;
  markTransactionStarted(runner);
  const results = (await client.query(
    'START TRANSACTION; SELECT pg_current_xact_id()::text AS xid',
  )) as unknown as QueryResult<{ xid: string }>[];
  return results[1].rows[0].xid;
}

/**
 * How a commit ended: `committed`; or not, with the error, because Postgres `refused` a row or the COMMIT,
 * because the connection failed and the server says the transaction was `aborted`, or because the
 * connection failed and the outcome stays `unknown` (the server could not be asked).
 */
export type CommitResult =
  { committed: true } | { committed: false; outcome: 'refused' | 'aborted' | 'unknown'; error: unknown };

/**
 * Sends the transaction's rows and COMMIT (`flushAndCommit`); if that round trip fails, rolls back and, when
 * Postgres did not answer with an error of its own (a socket error, a closed connection, a FATAL answer:
 * the COMMIT may have gone through), reads what became of the transaction on another connection by its id,
 * never by running the work again (issue 14: group commit could double a submission).
 */
export async function commitOrResolve(
  dataSource: DataSource,
  runner: QueryRunner,
  tx: BufferedTx,
  xid: string,
): Promise<CommitResult> {
  try {
    await tx.flushAndCommit();
    return { committed: true };
  } catch (error) {
    await runner.rollbackTransaction().catch(() => undefined);
    if (refusedByServer(error)) return { committed: false, outcome: 'refused', error };
    // The broken connection goes back now: the pool may need the place to ask.
    await runner.release().catch(() => undefined);
    const outcome = await transactionOutcome(dataSource, xid).catch(() => 'unknown' as const);
    log.warn({ ...errorFields(error), outcome }, 'connection failed during COMMIT; outcome read back');
    return outcome === 'committed' ? { committed: true } : { committed: false, outcome, error };
  }
}

/** Times the server is asked, and each time how long an old backend is given to end. */
const OUTCOME_ATTEMPTS = 5;
const TERMINATE_WAIT_MS = 2_000;

/**
 * What became of transaction `xid` (`pg_xact_status`). While it is still in progress, its backend has not
 * yet noticed that its client is gone, and could still run a COMMIT that reached it: that backend is ended
 * (waiting for it to exit), after which the answer is final. Only a backend running this very transaction
 * id is ended.
 */
async function transactionOutcome(
  dataSource: DataSource,
  xid: string,
): Promise<'committed' | 'aborted' | 'unknown'> {
  for (let attempt = 0; attempt < OUTCOME_ATTEMPTS; attempt++) {
    const [row] = await dataSource.query<{ status: string | null }[]>(
      'SELECT pg_xact_status($1::xid8) AS status',
      [xid],
    );
    if (row?.status === 'committed') return 'committed';
    if (row?.status === 'aborted') return 'aborted';
    if (row?.status !== 'in progress') return 'unknown';
    const ended = await dataSource.query<unknown[]>(
      `SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity WHERE backend_xid = xid($1::xid8)`,
      [xid, TERMINATE_WAIT_MS],
    );
    // No backend holds it any more, but its end is not recorded yet (it is exiting): ask again shortly.
    if (ended.length === 0) await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
  }
  return 'unknown';
}

/**
 * Runs `work` in one transaction on its own pooled connection and commits it with the transaction's rows
 * in one round trip (`flushAndCommit`); on any failure rolls back and throws. Returns the work's result and
 * whether it emitted events. When the connection fails during the COMMIT, the outcome is read back
 * (`commitOrResolve`): committed, the result is returned; aborted, the connection's error is thrown (the
 * work may be run again); unknown, `CommitOutcomeUnknownError`.
 *
 * TypeORM's `commitTransaction` is not called: it would send a COMMIT of its own. The runner then still
 * counts a transaction as open, so it is only released afterwards, never used again (no entity subscribers
 * listen for commits here). GroupedUnitOfWork commits its groups the same way.
 */
export async function runInTransaction<T>(
  dataSource: DataSource,
  outbox: OutboxWriter,
  work: (tx: BufferedTx) => Promise<T>,
): Promise<{ result: T; emitted: boolean }> {
  const runner = dataSource.createQueryRunner();
  try {
    let opened: { tx: BufferedTx; xid: string; result: T };
    try {
      const xid = await beginTransaction(runner);
      const tx = new BufferedTx(runner.manager, outbox);
      opened = { tx, xid, result: await work(tx) };
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    const commit = await commitOrResolve(dataSource, runner, opened.tx, opened.xid);
    if (!commit.committed) {
      throw commit.outcome === 'unknown' ? new CommitOutcomeUnknownError(commit.error) : commit.error;
    }
    return { result: opened.result, emitted: opened.tx.emitted };
  } finally {
    await runner.release();
  }
}

/** Runs work in one transaction; events emitted through `tx.publish` commit with it (outbox). */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly relay: Pick<OutboxRelay, 'kick'>,
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const { result, emitted } = await runInTransaction(this.dataSource, this.outbox, work);
    if (emitted) this.relay.kick();
    return result;
  }
}
