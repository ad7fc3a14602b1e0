import type { DataSource, EntityManager } from 'typeorm';
import type { EventDefinition, EventEnvelope } from '@closeloop/contracts';
import { insertStatement, type DeferredInsert } from './deferred-insert';
import type { OutboxEvent, OutboxWriter } from './outbox';
import type { OutboxRelay } from './outbox-relay';

export { DeferredInsert, insertRows } from './deferred-insert';

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
  deferInsert(insert: DeferredInsert, values: unknown[]): void;
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
  private readonly deferred = new Map<DeferredInsert, unknown[][]>();
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

  deferInsert(insert: DeferredInsert, values: unknown[]): void {
    if (values.length !== insert.columns.length) {
      throw new Error(`${insert.table}: ${values.length} values for ${insert.columns.length} columns`);
    }
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
   * and commits: one multi-row statement each and the COMMIT, all sent in one round trip (a
   * simple-protocol query of several statements, values inlined as literals). On a busy machine each round
   * trip is a wait for the CPU on both sides: a group of submissions went from six round trips here to one
   * (decision 0015). Postgres runs the statements in order and stops at the first that fails, whose error
   * is the one thrown (a unique violation names its constraint as before); the COMMIT is skipped then and
   * the transaction left aborted: the caller rolls it back. When the COMMIT itself is refused, Postgres
   * has rolled back already (a ROLLBACK after it only warns).
   */
  async flushAndCommit(): Promise<void> {
    await this.manager.query([...this.takeStatements(), 'COMMIT'].join(';\n'));
  }

  private takeStatements(): string[] {
    const inserts = [...this.deferred.keys()].sort((a, b) => a.order - b.order);
    const statements = inserts.map((insert) => insertStatement(insert, this.deferred.get(insert) ?? []));
    this.deferred.clear();
    if (this.events.length > 0) statements.push(this.outbox.insertStatement(this.events.splice(0)));
    return statements;
  }
}

/**
 * Runs `work` in one transaction on its own pooled connection and commits it with the transaction's rows
 * in one round trip (`flushAndCommit`); on any failure rolls back and throws. Returns the work's result and
 * whether it emitted events.
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
    await runner.connect();
    await runner.startTransaction();
    const tx = new BufferedTx(runner.manager, outbox);
    try {
      const result = await work(tx);
      await tx.flushAndCommit();
      return { result, emitted: tx.emitted };
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
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
