import { Readable } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger, errorFields, runWithContext } from '@closeloop/observability';
import { SERVICE_ENV } from '@closeloop/runtime';
import { DomainError } from '@closeloop/contracts';
import { PiiCipher } from '../customers/pii-cipher';
import type { IntakeEnv } from '../intake.env';
import { SegmentService } from '../segments/segment.service';
import { SettingsRepository } from '../settings/settings.repository';
import { BatchRaceError, CustomerImportWriter, type BatchOutcome } from './customer-import.writer';
import { CUSTOMER_COLUMNS, prepareCustomers } from './customer-rows';
import { ImportRepository, type ImportJob } from './import.repository';
import { instantParser, readRows, type RawRow, type RowError } from './import-rows';
import { OrderImportWriter } from './order-import.writer';
import { ORDER_COLUMNS, prepareOrders } from './order-rows';

const log = createLogger('import-runner');
/** Rows per transaction: large enough for set-based statements, small enough to keep locks short. */
export const IMPORT_BATCH_ROWS = 5_000;
const RACE_RETRIES = 3;

/**
 * Processes queued imports, one at a time across replicas (the claim in ImportRepository). The file is read
 * as a stream (csv-parse, exceljs's streaming reader) from its encrypted chunks; every batch of rows is
 * validated, prepared (normalised, hashed, encrypted) and written in one transaction with its row errors,
 * audit rows, segment events and the job's checkpoint. A runner that dies mid-file leaves its lease to expire;
 * the next one resumes after the last committed line (rows are idempotent anyway).
 */
@Injectable()
export class ImportRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly imports: ImportRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerImportWriter,
    private readonly orders: OrderImportWriter,
    private readonly segments: SegmentService,
    private readonly settings: SettingsRepository,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(SERVICE_ENV) private readonly env: IntakeEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => log.error(errorFields(error), 'import pass failed'))
        .finally(() => this.schedule());
    }, this.env.IMPORT_POLL_SECONDS * 1000);
    this.timer.unref();
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
    try {
      const { timeZone } = await this.settings.get('ticketNumber');
      const parseInstant = instantParser(timeZone);
      const columns = job.kind === 'customers' ? CUSTOMER_COLUMNS : ORDER_COLUMNS;
      // Reading and preparing the next batch (CPU) overlaps writing the previous one (Postgres); batches
      // still commit one after another, in file order, so the checkpoint only ever moves forward.
      let writing: Promise<void> = Promise.resolve();
      let batch: RawRow[] = [];
      const flush = async (rows: RawRow[]) => {
        const prepared = this.prepare(job, rows, parseInstant);
        await writing;
        writing = this.write(job, rows, prepared);
        writing.catch(() => undefined); // observed by the next await
      };
      for await (const row of readRows(Readable.from(this.chunks(job)), job.format, columns)) {
        if (this.stopped) return; // the lease expires; another replica resumes
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

  private prepare(job: ImportJob, rows: RawRow[], parseInstant: (text: string) => Date | null): Prepared {
    const prepare = job.kind === 'customers' ? prepareCustomers : prepareOrders;
    return prepare(rows, this.cipher, job.scopeStores, parseInstant);
  }

  private async write(job: ImportJob, rows: RawRow[], { prepared, errors }: Prepared): Promise<void> {
    const fields = job.kind === 'customers' ? personalColumns(rows) : [];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.unitOfWork.run(async (tx) => {
          const now = new Date();
          const outcome: BatchOutcome =
            job.kind === 'customers'
              ? await this.customers.write(
                  tx.manager,
                  prepared as Parameters<CustomerImportWriter['write']>[1],
                  job.createdBy,
                  now,
                )
              : await this.orders.write(
                  tx,
                  prepared as Parameters<OrderImportWriter['write']>[1],
                  job.createdBy,
                  now,
                );
          const allErrors = [...errors, ...outcome.errors];
          await this.imports.addErrors(tx.manager, job.id, allErrors);
          if (job.kind === 'customers') {
            await this.audit(tx.manager, job, [...outcome.created, ...outcome.updated], fields);
            await this.segments.announceNew(tx.manager, outcome.created, now);
          }
          await this.imports.progress(tx.manager, job.id, {
            lastLine: rows[rows.length - 1].line,
            rows: rows.length,
            created: outcome.created.length,
            updated: outcome.updated.length,
            unchanged: outcome.unchanged,
            failed: failedLines(allErrors),
          });
        });
        this.segments.kickRelay();
        return;
      } catch (error) {
        if (error instanceof BatchRaceError && attempt < RACE_RETRIES) continue;
        throw error;
      }
    }
  }

  /** X2: one audit row per customer an import created or added to, naming the import and the columns. */
  private async audit(
    manager: EntityManager,
    job: ImportJob,
    ids: string[],
    fields: string[],
  ): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `INSERT INTO intake.audit_log (id, at, actor, action, customer_id, fields, reason, correlation_id)
       SELECT gen_random_uuid(), now(), $2, 'customers.imported', id, $3, $4, $5 FROM unnest($1::uuid[]) AS id`,
      [ids, job.createdBy, fields, `import ${job.id}`, `import-${job.id}`],
    );
  }
}

type Prepared = ReturnType<typeof prepareCustomers> | ReturnType<typeof prepareOrders>;

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
