import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  hasRole,
  type BeginImportRequest,
  type Caller,
  type CommitImportRequest,
  type GetImportRequest,
  type ImportChunkRequest,
  type ImportErrorsRequest,
  type ImportErrorView,
  type ImportView,
} from '@closeloop/contracts';
import { requireRole, storeScope, SUPERVISING_ROLES } from '../customers/customer-access';
import { PiiCipher } from '../customers/pii-cipher';
import { ImportRepository, type ImportJob } from './import.repository';
import { ImportRunner } from './import.runner';

const log = createLogger('imports');

/**
 * Uploads of customer and order files (csv, xlsx): opened, sent in chunks (stored encrypted), committed with
 * the file's SHA-256, then processed by the import runner. An import is visible to its creator and admins.
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly imports: ImportRepository,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    private readonly runner: ImportRunner,
  ) {}

  async begin(request: BeginImportRequest): Promise<ImportView> {
    requireRole(request.caller, SUPERVISING_ROLES);
    const id = randomUUID();
    await this.imports.create({
      id,
      kind: request.kind,
      format: request.format,
      fileName: request.fileName ?? null,
      createdBy: request.caller.userId,
      scopeStores: storeScope(request.caller),
    });
    return view((await this.imports.get(id))!);
  }

  async chunk(request: ImportChunkRequest): Promise<{ received: number }> {
    const job = await this.visible(request.caller, request.id);
    const data = Buffer.from(request.data, 'base64');
    if (
      job.status !== 'uploading' ||
      !(await this.imports.putChunk(job.id, request.seq, this.cipher.encryptBytes(data)))
    ) {
      throw new DomainError('IMPORT.INCOMPLETE', 'this upload is closed');
    }
    return { received: data.length };
  }

  /** Checks that every chunk arrived and the file is the one sent (SHA-256), then queues it. */
  async commit(request: CommitImportRequest): Promise<ImportView> {
    const job = await this.visible(request.caller, request.id);
    const { count, maxSeq } = await this.imports.chunkCount(job.id);
    if (count !== request.chunks || maxSeq !== request.chunks - 1) {
      throw new DomainError('IMPORT.INCOMPLETE', `received ${count} of ${request.chunks} chunks`);
    }
    const hash = createHash('sha256');
    let bytes = 0;
    for (let seq = 0; seq < count; seq++) {
      const plain = this.cipher.decryptBytes((await this.imports.chunk(job.id, seq))!);
      hash.update(plain);
      bytes += plain.length;
    }
    if (hash.digest('hex') !== request.sha256) {
      throw new DomainError(
        'IMPORT.INCOMPLETE',
        'the stored file does not match the SHA-256 sent: upload it again',
      );
    }
    if (!(await this.imports.queue(job.id, count, bytes))) {
      throw new DomainError('IMPORT.INCOMPLETE', 'this upload was committed already');
    }
    log.info({ importId: job.id, kind: job.kind, bytes }, 'import queued');
    this.runner.kick();
    return view((await this.imports.get(job.id))!);
  }

  async get(request: GetImportRequest): Promise<ImportView> {
    return view(await this.visible(request.caller, request.id));
  }

  async errors(request: ImportErrorsRequest): Promise<ImportErrorView[]> {
    const job = await this.visible(request.caller, request.id);
    return this.imports.errors(job.id, request.afterLine ?? 0, request.limit ?? 1000);
  }

  private async visible(caller: Caller, id: string): Promise<ImportJob> {
    requireRole(caller, SUPERVISING_ROLES);
    const job = await this.imports.get(id);
    if (!job || (job.createdBy !== caller.userId && !hasRole(caller, 'admin'))) {
      throw new DomainError('IMPORT.NOT_FOUND');
    }
    return job;
  }
}

function view(job: ImportJob): ImportView {
  return {
    id: job.id,
    kind: job.kind,
    format: job.format,
    fileName: job.fileName,
    status: job.status,
    bytes: job.bytes,
    rowsRead: job.rowsRead,
    created: job.created,
    updated: job.updated,
    unchanged: job.unchanged,
    failed: job.failed,
    error: job.error,
    createdBy: job.createdBy,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}
