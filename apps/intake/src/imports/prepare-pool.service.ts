import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError, type ErrorCode } from '@closeloop/contracts';
import { createLogger } from '@closeloop/observability';
import { SERVICE_ENV } from '@closeloop/runtime';
import { PiiCipher } from '../customers/pii-cipher';
import type { IntakeEnv } from '../intake.env';
import { prepareCustomerBatch, type PreparedCustomerBatch, type PrepareOptions } from './customer-batch';
import type { CsvBatch } from './csv-batches';
import type { RawRow } from './import-rows';

const log = createLogger('import-prepare-pool');
const YOUNG_GENERATION_MB = 128;

export interface PrepareWorkerData {
  keys: string;
  activeKey: string;
  hmacKey: string;
}

export interface PrepareRequest {
  id: number;
  input: RawRow[] | CsvBatch;
  options: PrepareOptions;
}

export interface PrepareReply {
  id: number;
  batch?: PreparedCustomerBatch;
  error?: string;
  /** The DomainError code of a refused file (IMPORT.INVALID_FILE). */
  code?: string;
}

interface Pending {
  resolve: (batch: PreparedCustomerBatch) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Worker threads that prepare customer batches for the import runner (decision 0010): parsing stays on the
 * main thread (a stream in file order), the CPU-heavy part of each row (phone normalisation, AES-GCM, HMAC,
 * COPY text) runs here, spread over the cores, while the main thread writes earlier batches. Size:
 * IMPORT_WORKERS (default: available cores - 1, at least 1); 0 prepares on the main thread, as does a run
 * from TypeScript sources (tests: worker threads cannot load .ts files). Workers start on first use.
 */
@Injectable()
export class PreparePoolService implements OnApplicationShutdown {
  readonly size: number;
  private readonly workers = new Map<number, PoolWorker>();
  private nextId = 0;
  private turn = 0;

  constructor(
    @Inject(SERVICE_ENV) private readonly env: IntakeEnv,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
  ) {
    const wanted = env.IMPORT_WORKERS ?? Math.max(1, availableParallelism() - 1);
    this.size = wanted > 0 && existsSync(workerFile()) ? wanted : 0;
  }

  /** Batches that can be in preparation at once before the reader waits (memory stays bounded). */
  get depth(): number {
    return Math.max(2, this.size * 2);
  }

  prepare(input: RawRow[] | CsvBatch, options: PrepareOptions): Promise<PreparedCustomerBatch> {
    if (this.size === 0) {
      try {
        return Promise.resolve(prepareCustomerBatch(input, this.cipher, options));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    const target = this.worker(this.turn++ % this.size);
    const id = this.nextId++;
    return new Promise<PreparedCustomerBatch>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      const request: PrepareRequest = { id, input, options };
      target.worker.postMessage(request);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const running = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(running.map((w) => w.worker.terminate()));
  }

  private worker(index: number): PoolWorker {
    const existing = this.workers.get(index);
    if (existing) return existing;
    const data: PrepareWorkerData = {
      keys: this.env.PII_KEYS,
      activeKey: this.env.PII_ACTIVE_KEY,
      hmacKey: this.env.PII_HMAC_KEY,
    };
    const worker = new Worker(workerFile(), {
      workerData: data,
      // A batch allocates tens of MB of short-lived strings: a larger young generation means fewer
      // scavenges (see docs/decisions/0012 for the sizes tried).
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (reply: PrepareReply) => {
      const waiting = entry.pending.get(reply.id);
      if (!waiting) return;
      entry.pending.delete(reply.id);
      if (reply.batch) waiting.resolve(reply.batch);
      else if (reply.code) waiting.reject(new DomainError(reply.code as ErrorCode, reply.error));
      else waiting.reject(new Error(`preparing a batch failed: ${reply.error ?? 'unknown error'}`));
    });
    const fail = (error: Error) => {
      log.error({ err: error.message, worker: index }, 'import prepare worker stopped');
      for (const waiting of entry.pending.values()) waiting.reject(error);
      entry.pending.clear();
      if (this.workers.get(index) === entry) this.workers.delete(index); // the next batch starts a new one
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (entry.pending.size > 0) fail(new Error(`import prepare worker exited with code ${code}`));
      else if (this.workers.get(index) === entry) this.workers.delete(index);
    });
    worker.unref();
    this.workers.set(index, entry);
    return entry;
  }
}

/** The compiled worker beside this file (dist/); absent when running from TypeScript sources. */
function workerFile(): string {
  return join(__dirname, 'prepare.worker.js');
}
