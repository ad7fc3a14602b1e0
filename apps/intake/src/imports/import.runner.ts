import { Readable } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { PG_DEADLOCK_DETECTED, pgErrorCode } from '@closeloop/persistence';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { SERVICE_ENV } from '@closeloop/runtime';
import { CUSTOMER_IMPORTED_MAX_IDS, CustomerEvents, DomainError } from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { PiiCipher } from '../customers/pii-cipher';
import type { IntakeEnv } from '../intake.env';
import { PollingLoop } from '../scheduling/polling-loop';
import { SettingsRepository } from '../settings/settings.repository';
import {
  BatchRaceError,
  CustomerImportWriter,
  type BatchOutcome,
  type ImportWriteHint,
} from './customer-import.writer';
import type { PreparedCustomerBatch } from './customer-batch';
import { CUSTOMER_COLUMNS } from './customer-rows';
import { ImportRepository, type ImportJob } from './import.repository';
import { instantParser, readRows, type RawRow, type RowError } from './import-rows';
import { OrderImportWriter } from './order-import.writer';
import { ORDER_COLUMNS, prepareOrders } from './order-rows';
import { PreparePool } from './prepare-pool';

const log = createLogger('import-runner');
/** Rows per transaction: large enough for set-based statements, small enough to keep locks short. */
const IMPORT_BATCH_ROWS = 10_000;
const RACE_RETRIES = 3;

/**
 * Processes queued imports, one at a time across replicas (the claim in ImportRepository). The file is read
 * as a stream (csv-parse, exceljs's streaming reader) from its encrypted chunks; every batch of rows is
 * validated and prepared (normalised, hashed, encrypted: worker threads for customers, PreparePool) and
 * written in one transaction with its row errors, its audit row, its `customer.imported.v1` and the job's
 * checkpoint (decision 0010). A runner that dies mid-file leaves its lease to expire;
 * the next one resumes after the last committed line (rows are idempotent anyway).
 */
@Injectable()
export class ImportRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: PollingLoop;

  constructor(
    private readonly imports: ImportRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerImportWriter,
    private readonly orders: OrderImportWriter,
    private readonly pool: PreparePool,
    private readonly audit: AuditRepository,
    private readonly settings: SettingsRepository,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(SERVICE_ENV) env: IntakeEnv,
  ) {
    this.loop = new PollingLoop('imports', env.IMPORT_POLL_SECONDS * 1000, () => this.runOnce());
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Claims one import and runs it to the end; the id, or null when there was nothing to do. */
  async runOnce(): Promise<string | null> {
    const job = await this.imports.claim();
    if (!job) return null;
    await runWithContext({ correlationId: `import-${job.id}` }, () => this.run(job));
    return job.id;
  }

  private async run(job: ImportJob): Promise<void> {
    log.info({ importId: job.id, kind: job.kind, resumeAfterLine: job.checkpointLine }, 'import started');
    // Batches are prepared ahead (worker threads for customers) but written one after another, in file
    // order, so the checkpoint only ever moves forward; at most `depth` batches wait, so memory stays bounded.
    const waiting: Promise<void>[] = [];
    let writing: Promise<void> = Promise.resolve();
    try {
      const { timeZone } = await this.settings.get('ticketNumber');
      const parseInstant = instantParser(timeZone);
      const columns = job.kind === 'customers' ? CUSTOMER_COLUMNS : ORDER_COLUMNS;
      const depth = job.kind === 'customers' ? this.pool.depth : 1;
      let batch: RawRow[] = [];
      const hint: ImportWriteHint = { expectNew: true }; // a first import of new customers is the common case
      const flush = async (rows: RawRow[]) => {
        const range = { lastLine: rows[rows.length - 1].line, rows: rows.length };
        const fields = job.kind === 'customers' ? personalColumns(rows) : [];
        const prepared: Promise<Prepared> =
          job.kind === 'customers'
            ? this.pool
                .prepare(rows, job.scopeStores, timeZone)
                .then((b) => ({ kind: 'customers', batch: b }))
            : Promise.resolve().then(() => ({
                kind: 'orders',
                ...prepareOrders(rows, this.cipher, job.scopeStores, parseInstant),
              }));
        prepared.catch(() => undefined); // observed by the write that awaits it
        writing = writing.then(async () => this.write(job, range, fields, await prepared, hint));
        writing.catch(() => undefined); // observed below
        waiting.push(writing);
        while (waiting.length > depth) await waiting.shift();
      };
      for await (const row of readRows(Readable.from(this.chunks(job)), job.format, columns)) {
        if (this.loop.isStopped) {
          await writing.catch(() => undefined);
          return; // the lease expires; another replica resumes after the last commit
        }
        if (row.line <= job.checkpointLine) continue;
        batch.push(row);
        if (batch.length >= IMPORT_BATCH_ROWS) {
          await flush(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await flush(batch);
      await writing;
      await this.imports.finish(job.id, 'done', null);
      log.info({ importId: job.id }, 'import done');
    } catch (error) {
      await writing.catch(() => undefined); // no batch is being written while the job is marked failed
      const reason =
        error instanceof DomainError ? error.message : 'processing failed; the service log has the details';
      if (!(error instanceof DomainError))
        log.error({ ...errorFields(error), importId: job.id }, 'import failed');
      await this.imports.finish(job.id, 'failed', reason);
    }
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
    range: { lastLine: number; rows: number },
    fields: string[],
    prepared: Prepared,
    hint: ImportWriteHint,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.unitOfWork.run(async (tx) => {
          const now = new Date();
          const outcome: BatchOutcome =
            prepared.kind === 'customers'
              ? await this.customers.write(tx.manager, prepared.batch, job.createdBy, now, hint)
              : await this.orders.write(tx, prepared.prepared, job.createdBy, now);
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
          await this.imports.progress(tx.manager, job.id, {
            lastLine: range.lastLine,
            rows: range.rows,
            created: outcome.created.length,
            updated: outcome.updated.length,
            unchanged: outcome.unchanged,
            failed: failedLines(allErrors),
          });
        });
        return;
      } catch (error) {
        // Postgres broke a deadlock with live intake (both inserting the same new keys in different orders) by
        // failing this batch's transaction: it is rolled back whole, so running it again is safe.
        if (
          (error instanceof BatchRaceError || pgErrorCode(error) === PG_DEADLOCK_DETECTED) &&
          attempt < RACE_RETRIES
        )
          continue;
        throw error;
      }
    }
  }
}

type Prepared =
  | { kind: 'customers'; batch: PreparedCustomerBatch }
  | ({ kind: 'orders' } & ReturnType<typeof prepareOrders>);

/** The personal columns a customer file carries (names of fields, for the audit rows). */
function personalColumns(rows: RawRow[]): string[] {
  const present = new Set(Object.keys(rows[0]?.values ?? {}));
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

function failedLines(errors: RowError[]): number {
  return new Set(errors.map((e) => e.line)).size;
}
