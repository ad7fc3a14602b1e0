import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { SERVICE_ENV } from '@closeloop/runtime';
import { currentJobRun, JobScheduler, ScheduledJob } from '@closeloop/scheduling';
import { CUSTOMER_IMPORTED_MAX_IDS, CustomerEvents, DomainError } from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { PiiCipher } from '../customers/pii-cipher';
import type { IntakeEnv } from '../intake.env';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { CUSTOMER_COLUMNS } from './customer-rows';
import { csvBatches } from './csv-batches';
import { ImportBatchWriter, type ReadBatch, type WrittenBatch } from './import-batch.writer';
import { ImportLeaseLost, ImportRepository, type ImportJob } from './import.repository';
import { readRows, type Columns, type RawRow, type RowError } from './import-rows';
import { ORDER_COLUMNS } from './order-rows';

const log = createLogger('import-runner');

/** The imports job is always due (a due time in the past whatever the replicas' clocks say). */
const ALWAYS_DUE = new Date(0);
/** The imports job's claim: held while one replica works through the queue (heartbeats renew it). */
const IMPORTS_JOB_LEASE_MS = 60_000;

/**
 * Processes queued imports, one at a time across replicas (the `imports` scheduled job, and the claim of each
 * import in ImportRepository, fenced: a runner that stalled past its lease has its late batches refused and
 * rolled back). The file is read as a stream (csv-parse, exceljs's streaming reader) from its encrypted
 * chunks; every batch of rows is validated and prepared (normalised, hashed, encrypted) and written in one
 * transaction with its row errors, its audit row, its `customer.imported.v1` and the job's checkpoint
 * (decision 0010; ImportBatchWriter). A runner that dies mid-file leaves its lease to expire; the next one
 * resumes after the last committed line (rows are idempotent anyway).
 */
@Injectable()
export class ImportRunner {
  private readonly batchRows: number;

  constructor(
    private readonly imports: ImportRepository,
    private readonly writer: ImportBatchWriter,
    private readonly audit: AuditRepository,
    private readonly settings: IntakeSettingsRepository,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(SERVICE_ENV) env: IntakeEnv,
    private readonly scheduler: JobScheduler,
  ) {
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

  /**
   * Runs an import: its file's batches from the last committed line on, each recorded with its rows
   * (ImportBatchWriter states how batches are prepared, written at once and retried), then the import done;
   * on a failure, failed with a reason the user may see.
   */
  private async run(job: ImportJob, signal: AbortSignal | undefined): Promise<void> {
    log.info({ importId: job.id, kind: job.kind, resumeAfterLine: job.checkpointLine }, 'import started');
    try {
      const { timeZone } = await this.settings.get('ticketNumber');
      const columns = job.kind === 'customers' ? CUSTOMER_COLUMNS : ORDER_COLUMNS;
      // A resumed run skips the lines of the batches committed before (rows are idempotent anyway).
      const skip = (line: number) => line <= job.checkpointLine || isCommitted(job.committedLines, line);
      const batches = this.batches(job, columns, skip);
      const options = { afterLine: job.checkpointLine, timeZone, signal };
      const ended = await this.writer.writeAll(job, batches, options, (tx, batch) =>
        this.record(tx, job, batch),
      );
      if (!ended) return; // stopped: the lease expires; another replica resumes after the last commit
      if (await this.imports.finish(job, 'done', null)) log.info({ importId: job.id }, 'import done');
      else log.warn({ importId: job.id }, 'import taken over by another runner; its outcome is theirs');
    } catch (cause) {
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
   * A batch's record, in the transaction of its rows: its row errors, (customers) ONE audit row and ONE
   * `customer.imported.v1` per CUSTOMER_IMPORTED_MAX_IDS customers it created, and the job's checkpoint.
   * Nothing of a batch is half-written: a crash rolls all of it back and the next runner resumes at the
   * checkpoint.
   */
  private async record(tx: Tx, job: ImportJob, batch: WrittenBatch): Promise<void> {
    const { outcome, errors, now } = batch;
    await this.imports.addErrors(tx.manager, job.id, errors);
    if (job.kind === 'customers') {
      // X2: one row for the batch, listing every customer it created or added to (decision 0010).
      await this.audit.writeImportBatch(tx.manager, {
        actor: job.createdBy,
        importId: job.id,
        customerIds: [...outcome.created, ...outcome.updated],
        fields: batch.fields,
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
      ...batch.range,
      rows: batch.read,
      created: outcome.created.length,
      updated: outcome.updated.length,
      unchanged: outcome.unchanged,
      failed: failedLines(errors),
    });
  }

  /**
   * The file's rows in batches, without the lines `skip` names. A csv file goes as bytes and line numbers
   * (csvBatches: cells are split in the worker, decision 0012); an xlsx file as rows read here.
   */
  private async *batches(
    job: ImportJob,
    columns: Columns,
    skip: (line: number) => boolean,
  ): AsyncGenerator<ReadBatch> {
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
}

function isCommitted(ranges: [number, number][], line: number): boolean {
  return ranges.some(([from, to]) => line >= from && line < to);
}

function failedLines(errors: RowError[]): number {
  return new Set(errors.map((e) => e.line)).size;
}
