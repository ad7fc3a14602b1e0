import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { PG_DEADLOCK_DETECTED, pgErrorCode } from '@closeloop/persistence';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { SERVICE_ENV } from '@closeloop/runtime';
import { currentJobRun, JobScheduler, ScheduledJob } from '@closeloop/scheduling';
import { CUSTOMER_IMPORTED_MAX_IDS, CustomerEvents, DomainError } from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { PiiCipher } from '../customers/pii-cipher';
import type { IntakeEnv } from '../intake.env';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import {
  BatchRaceError,
  CustomerImportWriter,
  DirectConflict,
  type BatchOutcome,
  type ImportWriteHint,
} from './customer-import.writer';
import type { PreparedCustomerBatch } from './customer-batch';
import { CUSTOMER_COLUMNS } from './customer-rows';
import { ImportLeaseLost, ImportRepository, type ImportJob } from './import.repository';
import { csvBatches, csvRows, type CsvBatch } from './csv-batches';
import { instantParser, readRows, type Columns, type RawRow, type RowError } from './import-rows';
import { OrderImportWriter } from './order-import.writer';
import { ORDER_COLUMNS, prepareOrders } from './order-rows';
import { PreparePoolService } from './prepare-pool.service';

const log = createLogger('import-runner');
const RACE_RETRIES = 3;

/** The imports job is always due (a due time in the past whatever the replicas' clocks say). */
const ALWAYS_DUE = new Date(0);
/** The imports job's claim: held while one replica works through the queue (heartbeats renew it). */
const IMPORTS_JOB_LEASE_MS = 60_000;

/**
 * Processes queued imports, one at a time across replicas (the `imports` scheduled job, and the claim of each
 * import in ImportRepository, fenced: a runner that stalled past its lease has its late batches refused and
 * rolled back). The file is read
 * as a stream (csv-parse, exceljs's streaming reader) from its encrypted chunks; every batch of rows is
 * validated and prepared (normalised, hashed, encrypted: worker threads for customers, PreparePoolService) and
 * written in one transaction with its row errors, its audit row, its `customer.imported.v1` and the job's
 * checkpoint (decision 0010). A runner that dies mid-file leaves its lease to expire;
 * the next one resumes after the last committed line (rows are idempotent anyway).
 */
@Injectable()
export class ImportRunner {
  private readonly writers: number;
  private readonly batchRows: number;

  constructor(
    private readonly imports: ImportRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerImportWriter,
    private readonly orders: OrderImportWriter,
    private readonly pool: PreparePoolService,
    private readonly audit: AuditRepository,
    private readonly settings: IntakeSettingsRepository,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(SERVICE_ENV) env: IntakeEnv,
    private readonly scheduler: JobScheduler,
  ) {
    this.writers = env.IMPORT_WRITERS;
    this.batchRows = env.IMPORT_BATCH_ROWS;
  }

  /** An upload was just committed here: look for work now rather than at the next poll. */
  kick(): void {
    this.scheduler.trigger('imports');
  }

  /**
   * Every IMPORT_POLL_SECONDS (0: never by itself), once across replicas: imports one after another while
   * any is waiting. Always due: the claim only keeps two replicas from working through the queue at once.
   */
  @ScheduledJob('imports', {
    every: (env: IntakeEnv) => env.IMPORT_POLL_SECONDS * 1000,
    nextRun: () => ALWAYS_DUE,
    leaseMs: IMPORTS_JOB_LEASE_MS,
  })
  async runAll(): Promise<void> {
    const signal = currentJobRun()?.signal;
    while (!signal?.aborted && (await this.runOnce(signal))) {
      // next one
    }
  }

  /**
   * Claims one import and runs it to the end (or until `signal` says stop); the id, or null when there was
   * nothing to do.
   */
  async runOnce(signal?: AbortSignal): Promise<string | null> {
    const job = await this.imports.claim();
    if (!job) return null;
    await runWithContext({ correlationId: `import-${job.id}` }, () => this.run(job, signal));
    return job.id;
  }

  private async run(job: ImportJob, signal: AbortSignal | undefined): Promise<void> {
    log.info({ importId: job.id, kind: job.kind, resumeAfterLine: job.checkpointLine }, 'import started');
    // Batches are prepared ahead (worker threads for customers) and written by up to IMPORT_WRITERS
    // transactions at once, started in file order (decision 0012). They may commit out of order: each
    // commit records its lines, and the checkpoint is the contiguous committed prefix. At most `depth`
    // batches wait to be written, so memory stays bounded.
    const writers = new BatchWriters(job.kind === 'customers' ? this.writers : 1);
    const waiting: Promise<void>[] = [];
    try {
      const { timeZone } = await this.settings.get('ticketNumber');
      const parseInstant = instantParser(timeZone);
      const columns = job.kind === 'customers' ? CUSTOMER_COLUMNS : ORDER_COLUMNS;
      const depth = job.kind === 'customers' ? this.pool.depth : 1;
      const skip = (line: number) => line <= job.checkpointLine || isCommitted(job.committedLines, line);
      let afterLine = job.checkpointLine; // the lines a batch covers start after the previous batch's last
      const hint: ImportWriteHint = { expectNew: true }; // a first import of new customers is the common case
      const flush = async (input: BatchInput, lastLine: number) => {
        const range = { afterLine, lastLine };
        afterLine = lastLine;
        const now = new Date();
        const fields = job.kind === 'customers' ? personalColumns(input) : [];
        const stage = (direct: boolean) =>
          this.pool.prepare(input, {
            stores: job.scopeStores,
            timeZone,
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
        waiting.push(
          writers.start(async (exclusive) => {
            const ready = await prepared;
            await this.write(
              job,
              { range, fields, now, prepared: ready, restage: () => stage(false) },
              hint,
              exclusive,
            );
          }),
        );
        while (waiting.length > depth) await waiting.shift();
      };
      for await (const { input, lastLine } of this.batches(job, columns, skip)) {
        if (signal?.aborted) {
          await writers.idle();
          return; // the lease expires; another replica resumes after the last commit
        }
        if (writers.failure !== undefined) break; // reported below
        await flush(input, lastLine);
      }
      await writers.idle();
      writers.throwIfFailed();
      if (await this.imports.finish(job, 'done', null)) log.info({ importId: job.id }, 'import done');
      else log.warn({ importId: job.id }, 'import taken over by another runner; its outcome is theirs');
    } catch (error) {
      await writers.idle(); // no batch is being written while the job is marked failed
      const cause = writers.failure ?? error;
      if (cause instanceof ImportLeaseLost) {
        // Another runner claimed the import after this one stalled: it goes on from the last commit.
        log.warn({ importId: job.id }, 'import taken over by another runner; this one stops');
        return;
      }
      const reason =
        cause instanceof DomainError ? cause.message : 'processing failed; the service log has the details';
      if (!(cause instanceof DomainError))
        log.error({ ...errorFields(cause), importId: job.id }, 'import failed');
      await this.imports.finish(job, 'failed', reason);
    }
  }

  /**
   * The file's rows in batches, without the lines `skip` names. A csv file goes as bytes and line numbers
   * (csvBatches: cells are split in the worker, decision 0012); an xlsx file as rows read here.
   */
  private async *batches(
    job: ImportJob,
    columns: Columns,
    skip: (line: number) => boolean,
  ): AsyncGenerator<{ input: BatchInput; lastLine: number }> {
    if (job.format === 'csv') {
      for await (const { batch, lastLine } of csvBatches(this.chunks(job), columns, this.batchRows, skip)) {
        yield { input: batch, lastLine };
      }
      return;
    }
    let rows: RawRow[] = [];
    for await (const row of readRows(Readable.from(this.chunks(job)), job.format, columns)) {
      if (skip(row.line)) continue;
      rows.push(row);
      if (rows.length >= this.batchRows) {
        yield { input: rows, lastLine: row.line };
        rows = [];
      }
    }
    if (rows.length > 0) yield { input: rows, lastLine: rows[rows.length - 1].line };
  }

  /** The decrypted file, chunk by chunk (never whole in memory). */
  private async *chunks(job: ImportJob): AsyncGenerator<Buffer> {
    for (let seq = 0; seq < job.chunks; seq++) {
      const stored = await this.imports.chunk(job.id, seq);
      if (!stored) throw new DomainError('IMPORT.INVALID_FILE', `chunk ${seq} of the file is missing`);
      yield this.cipher.decryptBytes(stored);
    }
  }

  /**
   * One batch in one transaction: its rows, row errors, (customers) ONE audit row and ONE
   * `customer.imported.v1` naming the customers it created, and the job's checkpoint. Nothing of a batch is
   * half-written: a crash rolls all of it back and the next runner resumes at the checkpoint.
   */
  private async write(
    job: ImportJob,
    batch: {
      range: { afterLine: number; lastLine: number };
      fields: string[];
      now: Date;
      prepared: Prepared;
      /** The customer rows prepared again in the staging form (the direct form met a known key). */
      restage: () => Promise<PreparedCustomerBatch>;
    },
    hint: ImportWriteHint,
    exclusive: () => Promise<void>,
  ): Promise<void> {
    const { range, fields, now } = batch;
    let prepared = batch.prepared;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.unitOfWork.run(async (tx) => {
          const outcome: BatchOutcome =
            prepared.kind === 'orders'
              ? await this.orders.write(tx, prepared.prepared, job.createdBy, now, job.scopeStores)
              : prepared.batch.direct
                ? await this.customers.writeDirect(tx.manager, prepared.batch.direct)
                : await this.customers.write(
                    tx.manager,
                    prepared.batch,
                    job.createdBy,
                    now,
                    job.scopeStores, // X1: rows matching customers of other stores are refused
                    hint,
                  );
          const errors = prepared.kind === 'customers' ? prepared.batch.errors : prepared.errors;
          const allErrors = [...errors, ...outcome.errors];
          await this.imports.addErrors(tx.manager, job.id, allErrors);
          if (prepared.kind === 'customers') {
            // X2: one row for the batch, listing every customer it created or added to (decision 0010).
            await this.audit.writeImportBatch(tx.manager, {
              actor: job.createdBy,
              importId: job.id,
              customerIds: [...outcome.created, ...outcome.updated],
              fields,
            });
            // G1: the new customers' initial segment, one event per batch instead of one per customer.
            for (let i = 0; i < outcome.created.length; i += CUSTOMER_IMPORTED_MAX_IDS) {
              await tx.publish(CustomerEvents.imported, {
                importId: job.id,
                segment: 'new',
                customerIds: outcome.created.slice(i, i + CUSTOMER_IMPORTED_MAX_IDS),
                importedAt: now.toISOString(),
              });
            }
          }
          await this.imports.progress(tx.manager, job, {
            afterLine: range.afterLine,
            lastLine: range.lastLine,
            rows: prepared.kind === 'customers' ? prepared.batch.read : prepared.read,
            created: outcome.created.length,
            updated: outcome.updated.length,
            unchanged: outcome.unchanged,
            failed: failedLines(allErrors),
          });
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
}

type Prepared =
  | { kind: 'customers'; batch: PreparedCustomerBatch }
  | ({ kind: 'orders'; read: number } & ReturnType<typeof prepareOrders>);

/** A batch as read: rows (xlsx) or csv bytes whose cells the worker splits. */
type BatchInput = RawRow[] | CsvBatch;

/** The personal columns a customer file carries (names of fields, for the audit rows). */
function personalColumns(input: BatchInput): string[] {
  const present = new Set(
    Array.isArray(input)
      ? Object.keys(input[0]?.values ?? {})
      : input.header.filter((column): column is string => column !== undefined),
  );
  return ['name', 'phone', 'email', 'idNumber', 'externalId', 'storeId', 'accountManagerId']
    .filter((column) => present.has(column))
    .concat(
      present.has('consentCallbacks') ||
        present.has('consentMarketing') ||
        present.has('consentPartnerSharing')
        ? ['consents']
        : [],
    );
}

function isCommitted(ranges: [number, number][], line: number): boolean {
  return ranges.some(([from, to]) => line >= from && line < to);
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

function failedLines(errors: RowError[]): number {
  return new Set(errors.map((e) => e.line)).size;
}
