import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { PG_DEADLOCK_DETECTED, pgErrorCode } from '@closeloop/persistence';
import { SERVICE_ENV } from '@closeloop/runtime';
import { PiiCipher } from '../customers/pii-cipher';
import type { IntakeEnv } from '../intake.env';
import type { PreparedCustomerBatch } from './customer-batch';
import { CONSENT_COLUMNS } from './customer-rows';
import {
  BatchRaceError,
  CustomerImportWriter,
  DirectConflict,
  type BatchOutcome,
  type ImportWriteHint,
} from './customer-import.writer';
import { csvRows, type CsvBatch } from './csv-batches';
import type { ImportJob } from './import.repository';
import { instantParser, type RawRow, type RowError } from './import-rows';
import { OrderImportWriter } from './order-import.writer';
import { prepareOrders } from './order-rows';
import { PreparePoolService } from './prepare-pool.service';

const RACE_RETRIES = 3;

/** A batch as read: rows (xlsx) or csv bytes whose cells the worker splits. */
export type BatchInput = RawRow[] | CsvBatch;

/** A batch of the file as read, and the last line it covers. */
export interface ReadBatch {
  input: BatchInput;
  lastLine: number;
}

/** A batch whose rows were just written, for the caller to record in the same transaction. */
export interface WrittenBatch {
  /** The lines the batch covers: after `afterLine`, up to and including `lastLine`. */
  range: { afterLine: number; lastLine: number };
  /** X2: the personal columns the file carries (names of fields, for the audit row). */
  fields: string[];
  now: Date;
  /** Rows read (blank lines not counted). */
  read: number;
  /** What the rows came to: customers created, updated, unchanged. */
  outcome: BatchOutcome;
  /** Every refused line: by the preparation (validation, X1 scope) and by the write. */
  errors: RowError[];
}

type Prepared =
  | { kind: 'customers'; batch: PreparedCustomerBatch }
  | ({ kind: 'orders'; read: number } & ReturnType<typeof prepareOrders>);

/**
 * Writes an import's batches, each in a transaction of its own: its rows (CustomerImportWriter,
 * OrderImportWriter; X1: rows of customers of other stores are refused), then `record` in the same
 * transaction (the caller's row errors, audit, events and checkpoint).
 *
 * Guarantees: batches are prepared ahead (customers on worker threads, PreparePoolService) and written by up to
 * IMPORT_WRITERS transactions at once (customers; orders one at a time), started in file order, at most the
 * pool's depth waiting, so memory stays bounded (decision 0012). A batch that met a race on a key (live
 * intake, or another batch of this import) or a deadlock is rolled back whole and run again alone, after the
 * batches in flight, up to RACE_RETRIES times; a batch written in the direct form that met a known key is
 * prepared again for the looked-up path, and so are the batches after it. The first failure stops new
 * batches; `writeAll` returns or throws only when no batch is being written any more.
 *
 * The caller must not assume batches commit in file order (each `record` covers its own lines: the
 * checkpoint is the contiguous committed prefix), nor that `record` runs once per batch (a retried batch
 * runs it again in a new transaction; only the committed run counts).
 */
@Injectable()
export class ImportBatchWriter {
  private readonly writers: number;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerImportWriter,
    private readonly orders: OrderImportWriter,
    private readonly pool: PreparePoolService,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(SERVICE_ENV) env: IntakeEnv,
  ) {
    this.writers = env.IMPORT_WRITERS;
  }

  /**
   * Writes every batch of `batches` (which start after `afterLine`); false when `signal` stopped it before
   * the end (what was committed stays), true when every batch was written. Throws the first failure.
   */
  async writeAll(
    job: ImportJob,
    batches: AsyncIterable<ReadBatch>,
    options: { afterLine: number; timeZone: string; signal?: AbortSignal },
    record: (tx: Tx, batch: WrittenBatch) => Promise<void>,
  ): Promise<boolean> {
    const writers = new BatchWriters(job.kind === 'customers' ? this.writers : 1);
    const depth = job.kind === 'customers' ? this.pool.depth : 1;
    const parseInstant = instantParser(options.timeZone);
    const hint: ImportWriteHint = { expectNew: true }; // a first import of new customers is the common case
    const waiting: Promise<void>[] = [];
    let afterLine = options.afterLine; // the lines a batch covers start after the previous batch's last
    try {
      for await (const { input, lastLine } of batches) {
        if (options.signal?.aborted) {
          await writers.idle();
          return false;
        }
        if (writers.failure !== undefined) break; // thrown below
        const range = { afterLine, lastLine };
        afterLine = lastLine;
        const now = new Date();
        const fields = job.kind === 'customers' ? personalColumns(input) : [];
        const stage = (direct: boolean) =>
          this.pool.prepare(input, {
            stores: job.scopeStores,
            timeZone: options.timeZone,
            direct: direct ? { now: now.toISOString(), actor: job.createdBy } : null,
          });
        const prepared: Promise<Prepared> =
          job.kind === 'customers'
            ? stage(hint.expectNew).then((b) => ({ kind: 'customers', batch: b }))
            : Promise.resolve().then(() => {
                const rows = Array.isArray(input) ? input : csvRows(input);
                return {
                  kind: 'orders',
                  read: rows.length,
                  ...prepareOrders(rows, this.cipher, job.scopeStores, parseInstant),
                };
              });
        prepared.catch(() => undefined); // observed by the write that awaits it
        const batch = { range, fields, now, restage: () => stage(false) };
        waiting.push(
          writers.start(async (exclusive) => {
            const ready = await prepared;
            await this.write(job, { ...batch, prepared: ready }, hint, exclusive, record);
          }),
        );
        while (waiting.length > depth) await waiting.shift();
      }
      await writers.idle();
      writers.throwIfFailed();
      return true;
    } catch (error) {
      await writers.idle(); // no batch is being written when the caller hears of the failure
      throw writers.failure ?? error;
    }
  }

  /** One batch in one transaction, run again on a race or a direct-form conflict (see the class). */
  private async write(
    job: ImportJob,
    batch: {
      range: WrittenBatch['range'];
      fields: string[];
      now: Date;
      prepared: Prepared;
      /** The customer rows prepared again in the staging form (the direct form met a known key). */
      restage: () => Promise<PreparedCustomerBatch>;
    },
    hint: ImportWriteHint,
    exclusive: () => Promise<void>,
    record: (tx: Tx, batch: WrittenBatch) => Promise<void>,
  ): Promise<void> {
    const { range, fields, now } = batch;
    let prepared = batch.prepared;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.unitOfWork.run(async (tx) => {
          const outcome = await this.writeRows(tx, job, prepared, now, hint);
          const refused = prepared.kind === 'customers' ? prepared.batch.errors : prepared.errors;
          const read = prepared.kind === 'customers' ? prepared.batch.read : prepared.read;
          await record(tx, { range, fields, now, read, outcome, errors: [...refused, ...outcome.errors] });
        });
        return;
      } catch (error) {
        if (error instanceof DirectConflict) {
          // Some customer of the batch is known after all: the batch takes the looked-up path, and so do the
          // next ones (a re-run). Not a race: no attempt is used up.
          hint.expectNew = false;
          prepared = { kind: 'customers', batch: await batch.restage() };
          attempt -= 1;
          continue;
        }
        // Postgres broke a deadlock with live intake (both inserting the same new keys in different orders) by
        // failing this batch's transaction: it is rolled back whole, so running it again is safe.
        // With several writers the other batch may be one of this import's own (a key in both): the retry
        // runs alone, after the batches in flight have ended, so it sees what they committed.
        if (
          (error instanceof BatchRaceError || pgErrorCode(error) === PG_DEADLOCK_DETECTED) &&
          attempt < RACE_RETRIES
        ) {
          await exclusive();
          continue;
        }
        throw error;
      }
    }
  }

  private writeRows(
    tx: Tx,
    job: ImportJob,
    prepared: Prepared,
    now: Date,
    hint: ImportWriteHint,
  ): Promise<BatchOutcome> {
    if (prepared.kind === 'orders') {
      return this.orders.write(tx, prepared.prepared, job.createdBy, now, job.scopeStores);
    }
    if (prepared.batch.direct) return this.customers.writeDirect(tx.manager, prepared.batch.direct);
    // X1: rows matching customers of other stores are refused
    return this.customers.write(tx.manager, prepared.batch, job.createdBy, now, job.scopeStores, hint);
  }
}

/** X2: the personal columns a customer file carries (names of fields, for the audit rows). */
function personalColumns(input: BatchInput): string[] {
  const present = new Set(
    Array.isArray(input)
      ? Object.keys(input[0]?.values ?? {})
      : input.header.filter((column): column is string => column !== undefined),
  );
  return ['name', 'phone', 'email', 'idNumber', 'externalId', 'storeId', 'accountManagerId']
    .filter((column) => present.has(column))
    .concat(Object.values(CONSENT_COLUMNS).some((column) => present.has(column)) ? ['consents'] : []);
}

/**
 * Runs an import's batch writes, at most `size` at once, started in the order `start` is called. A write
 * that must be retried (a race on a key) calls `exclusive()` between its attempts: it waits until every
 * other write in flight has ended (except those waiting for their own turn alone), and no new write starts
 * until it ends. The first failure stops new writes from starting.
 */
export class BatchWriters {
  failure: Error | undefined = undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly waitingAlone = new Set<Promise<void>>();
  private owner: Promise<void> | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Settles whenever a write starts waiting for its turn alone (and is then replaced). */
  private waitersChanged = signal();

  constructor(private readonly size: number) {}

  /** Resolves when the write has started (its slot taken), not when it ends. */
  start(write: (exclusive: () => Promise<void>) => Promise<void>): Promise<void> {
    const started = this.queue.then(async () => {
      while (this.running.size >= this.size || this.owner) await Promise.race(this.running);
      if (this.failure !== undefined) return;
      let self: Promise<void> | null = null;
      const exclusive = async () => {
        if (self === null || this.owner === self) return;
        this.waitingAlone.add(self);
        this.waitersChanged.fire();
        this.waitersChanged = signal();
        while (this.owner) await this.owner;
        this.waitingAlone.delete(self);
        this.owner = self;
        // The others in flight end first; one that waits for its own turn alone holds nothing meanwhile.
        for (;;) {
          const others = [...this.running].filter((w) => w !== self && !this.waitingAlone.has(w));
          if (others.length === 0) return;
          await Promise.race([...others, this.waitersChanged.settled]);
        }
      };
      self = write(exclusive)
        .catch((error: unknown) => {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          this.running.delete(self!);
          if (this.owner === self) this.owner = null;
        });
      this.running.add(self);
    });
    this.queue = started;
    return started;
  }

  /** Every started write has ended. */
  async idle(): Promise<void> {
    await this.queue;
    while (this.running.size > 0) await Promise.all(this.running);
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function signal(): { settled: Promise<void>; fire: () => void } {
  let fire: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (fire = resolve));
  return { settled, fire };
}
