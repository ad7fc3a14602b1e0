import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeferredInsert, insertRows, returnedRows, UnnestInsert } from '@closeloop/persistence';
import type {
  ImportErrorView,
  ImportFormat,
  ImportKind,
  ImportStatus,
  ImportView,
} from '@closeloop/contracts';
import type { ImportErrorEntity } from './entities/import-error.entity';
import type { ImportJobEntity } from './entities/import-job.entity';
import type { RowError } from './import-rows';

export interface ImportJob extends ImportView {
  checkpointLine: number;
  /** Lines of committed batches, as [from, to) ranges in file order (a resumed run skips them). */
  committedLines: [number, number][];
  chunks: number;
  scopeStores: string[] | null;
  /** The claim's fencing token: the runner's writes name it, so a stalled runner's late ones are refused. */
  leaseFence: number;
}

/** The import was claimed again by another runner (this one stalled past its lease): its write is refused. */
export class ImportLeaseLost extends Error {
  constructor(id: string) {
    super(`import ${id} was taken over by another runner`);
    this.name = 'ImportLeaseLost';
  }
}

interface JobRow {
  id: string;
  kind: ImportKind;
  format: ImportFormat;
  file_name: string | null;
  status: ImportStatus;
  bytes: string;
  chunks: number;
  checkpoint_line: number;
  committed_lines: string;
  rows_read: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  error: string | null;
  created_by: string | null;
  scope_stores: string[] | null;
  lease_fence: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** How long a claimed import is held without a batch committing before another replica resumes it. */
const IMPORT_LEASE_SECONDS = 120;

const INSERT_JOB = new DeferredInsert<
  Pick<ImportJobEntity, 'id' | 'kind' | 'format' | 'fileName' | 'status' | 'createdBy' | 'scopeStores'>
>('intake.imports', {
  id: 'id',
  kind: 'kind',
  format: 'format',
  fileName: 'file_name',
  status: 'status',
  createdBy: 'created_by',
  scopeStores: 'scope_stores',
});

/** Row errors of a batch (one per line and field; a retried batch adds nothing twice). */
const INSERT_ERRORS = new UnnestInsert<Pick<ImportErrorEntity, 'importId' | 'line' | 'field' | 'message'>>(
  'intake.import_errors',
  {
    importId: ['import_id', 'uuid'],
    line: ['line', 'int'],
    field: ['field', 'varchar'],
    message: ['message', 'varchar'],
  },
  'ON CONFLICT DO NOTHING',
);

/** SQL of import jobs, their encrypted file chunks and their row errors. */
@Injectable()
export class ImportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(job: {
    id: string;
    kind: ImportKind;
    format: ImportFormat;
    fileName: string | null;
    createdBy: string;
    scopeStores: string[] | null;
  }): Promise<void> {
    await insertRows(this.dataSource.manager, INSERT_JOB, [{ ...job, status: 'uploading' }]);
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<ImportJob | null> {
    const rows: JobRow[] = await manager.query(`SELECT * FROM intake.imports WHERE id = $1`, [id]);
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Stores (or replaces, on a retried send) one chunk while the upload is open. */
  async putChunk(id: string, seq: number, data: Buffer): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO intake.import_chunks (import_id, seq, data)
       SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM intake.imports WHERE id = $1 AND status = 'uploading')
       ON CONFLICT (import_id, seq) DO UPDATE SET data = EXCLUDED.data RETURNING seq`,
      [id, seq, data],
    );
    return rows.length > 0;
  }

  async chunkCount(id: string): Promise<{ count: number; maxSeq: number }> {
    const rows: { count: number; max_seq: number | null }[] = await this.dataSource.query(
      `SELECT count(*)::int AS count, max(seq) AS max_seq FROM intake.import_chunks WHERE import_id = $1`,
      [id],
    );
    return { count: rows[0].count, maxSeq: rows[0].max_seq ?? -1 };
  }

  async chunk(id: string, seq: number): Promise<Buffer | null> {
    const rows: { data: Buffer }[] = await this.dataSource.query(
      `SELECT data FROM intake.import_chunks WHERE import_id = $1 AND seq = $2`,
      [id, seq],
    );
    return rows[0]?.data ?? null;
  }

  /** Closes the upload: the job is queued for a runner. False when it was not uploading any more. */
  async queue(id: string, chunks: number, bytes: number): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE intake.imports SET status = 'queued', chunks = $2, bytes = $3
         WHERE id = $1 AND status = 'uploading' RETURNING id`,
        [id, chunks, bytes],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Claims the oldest queued import, or a running one whose runner died (lease expired). One import runs at
   * a time in the deployment (an advisory lock serialises claims; a live lease blocks them), so two imports
   * never race to create the same customer.
   */
  async claim(): Promise<ImportJob | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('closeloop:intake:imports', 0))`);
      const busy: unknown[] = await manager.query(
        `SELECT 1 FROM intake.imports WHERE status = 'running' AND lease_until > now() LIMIT 1`,
      );
      if (busy.length > 0) return null;
      const rows = returnedRows<JobRow>(
        await manager.query(
          `UPDATE intake.imports SET status = 'running', started_at = COALESCE(started_at, now()),
             lease_until = now() + make_interval(secs => $1), lease_fence = lease_fence + 1
           WHERE id = (SELECT id FROM intake.imports
                       WHERE status = 'queued' OR (status = 'running' AND lease_until <= now())
                       ORDER BY created_at LIMIT 1)
           RETURNING *`,
          [IMPORT_LEASE_SECONDS],
        ),
      );
      return rows[0] ? toJob(rows[0]) : null;
    });
  }

  /**
   * A batch committed: its lines join `committed_lines`, the checkpoint becomes the contiguous committed
   * prefix, counters and lease move on, all in the batch's transaction. The last statement of the batch:
   * batches written at once (decision 0012) queue on this row only for their commit. Throws ImportLeaseLost
   * (the batch rolls back) when another runner claimed the import since `job` was claimed.
   */
  async progress(
    manager: EntityManager,
    job: Pick<ImportJob, 'id' | 'leaseFence'>,
    batch: {
      /** The lines the batch covers: after `afterLine`, up to `lastLine` (skipped lines included). */
      afterLine: number;
      lastLine: number;
      rows: number;
      created: number;
      updated: number;
      unchanged: number;
      failed: number;
    },
  ): Promise<void> {
    const updated = returnedRows(
      await manager.query(
        `UPDATE intake.imports SET
         committed_lines = committed_lines + int4multirange(int4range($2 + 1, $3 + 1)),
         checkpoint_line = GREATEST(checkpoint_line, COALESCE((
           SELECT upper(r) - 1 FROM unnest(committed_lines + int4multirange(int4range($2 + 1, $3 + 1))) r
           WHERE r @> (checkpoint_line + 1)), 0)),
         rows_read = rows_read + $4, created = created + $5, updated = updated + $6,
         unchanged = unchanged + $7, failed = failed + $8, lease_until = now() + make_interval(secs => $9)
       WHERE id = $1 AND lease_fence = $10 RETURNING id`,
        [
          job.id,
          batch.afterLine,
          batch.lastLine,
          batch.rows,
          batch.created,
          batch.updated,
          batch.unchanged,
          batch.failed,
          IMPORT_LEASE_SECONDS,
          job.leaseFence,
        ],
      ),
    );
    if (updated.length === 0) throw new ImportLeaseLost(job.id);
  }

  async addErrors(manager: EntityManager, id: string, errors: RowError[]): Promise<void> {
    await INSERT_ERRORS.run(
      manager,
      errors.map((e) => ({
        importId: id,
        line: e.line,
        field: e.field.slice(0, 64),
        message: e.message.slice(0, 200),
      })),
    );
  }

  /**
   * Done or failed: the file itself is deleted at once (it holds personal data in clear once decrypted).
   * Nothing when another runner claimed the import since (false): the outcome is that runner's to record.
   */
  async finish(
    job: Pick<ImportJob, 'id' | 'leaseFence'>,
    status: 'done' | 'failed',
    error: string | null,
  ): Promise<boolean> {
    const id = job.id;
    return this.dataSource.transaction(async (manager) => {
      const updated = returnedRows(
        await manager.query(
          `UPDATE intake.imports SET status = $2, error = $3, finished_at = now(), lease_until = NULL
           WHERE id = $1 AND lease_fence = $4 RETURNING id`,
          [id, status, error, job.leaseFence],
        ),
      );
      if (updated.length === 0) return false;
      await manager.query(`DELETE FROM intake.import_chunks WHERE import_id = $1`, [id]);
      return true;
    });
  }

  async errors(id: string, afterLine: number, limit: number): Promise<ImportErrorView[]> {
    const rows: ImportErrorView[] = await this.dataSource.query(
      `SELECT line, field, message FROM intake.import_errors WHERE import_id = $1 AND line > $2
       ORDER BY line, field LIMIT $3`,
      [id, afterLine, limit],
    );
    return rows;
  }
}

function toJob(row: JobRow): ImportJob {
  return {
    id: row.id,
    kind: row.kind,
    format: row.format,
    fileName: row.file_name,
    status: row.status,
    bytes: Number(row.bytes),
    rowsRead: row.rows_read,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    checkpointLine: row.checkpoint_line,
    committedLines: parseRanges(row.committed_lines),
    chunks: row.chunks,
    scopeStores: row.scope_stores,
    leaseFence: Number(row.lease_fence),
  };
}

/** `{[2,10001),[20001,30001)}` (Postgres int4multirange text, canonical half-open ranges) as pairs. */
export function parseRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const match of text.matchAll(/\[(\d+),(\d+)\)/g)) ranges.push([Number(match[1]), Number(match[2])]);
  return ranges;
}
