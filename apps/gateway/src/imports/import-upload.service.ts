import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { RpcClient } from '@closeloop/messaging';
import { SERVICE_ENV } from '@closeloop/runtime';
import {
  DomainError,
  IMPORT_CHUNK_BYTES,
  IMPORT_CHUNKS_IN_FLIGHT,
  ImportQuery,
  ImportRpc,
  type Caller,
  type ImportView,
} from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';

const ERROR_PAGE = 10_000;

/**
 * Moves an import file from the HTTP request to intake: begin, the bytes as numbered chunks of
 * IMPORT_CHUNK_BYTES (IMPORT_CHUNKS_IN_FLIGHT at a time), commit with the count and the sha256. The file is
 * never held whole in memory; past IMPORT_MAX_BYTES the upload stops with 413.
 */
@Injectable()
export class ImportUploadService {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  async upload(caller: Caller, query: ImportQuery, body: Readable): Promise<ImportView> {
    const job = await this.rpc.request(ImportRpc.begin, { caller, ...query });
    const hash = createHash('sha256');
    let seq = 0;
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // Several chunks in flight (IMPORT_CHUNKS_IN_FLIGHT); a failed one is reported when its turn comes.
    const inFlight: Promise<unknown>[] = [];
    const flush = async () => {
      const data = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      const sent = this.rpc.request(ImportRpc.chunk, {
        caller,
        id: job.id,
        seq: seq++,
        data: data.toString('base64'),
      });
      sent.catch(() => undefined);
      inFlight.push(sent);
      if (inFlight.length >= IMPORT_CHUNKS_IN_FLIGHT) await inFlight.shift();
    };
    for await (const piece of body as AsyncIterable<Buffer>) {
      bytes += piece.length;
      if (bytes > this.env.IMPORT_MAX_BYTES) {
        body.destroy();
        throw new DomainError(
          'PAYLOAD_TOO_LARGE',
          `import files are limited to ${this.env.IMPORT_MAX_BYTES} bytes`,
        );
      }
      hash.update(piece);
      for (let offset = 0; offset < piece.length;) {
        const take = Math.min(IMPORT_CHUNK_BYTES - pendingBytes, piece.length - offset);
        pending.push(piece.subarray(offset, offset + take));
        pendingBytes += take;
        offset += take;
        if (pendingBytes === IMPORT_CHUNK_BYTES) await flush();
      }
    }
    if (pendingBytes > 0 || seq === 0) await flush();
    for (const sent of inFlight) await sent;
    return this.rpc.request(ImportRpc.commit, {
      caller,
      id: job.id,
      chunks: seq,
      sha256: hash.digest('hex'),
    });
  }

  /**
   * The refused rows as csv lines `line,field,message` (never the values). The first page is asked before
   * the stream starts, so a missing import is a 404 problem, not a broken download.
   */
  async errorsCsv(caller: Caller, id: string): Promise<Readable> {
    const first = await this.rpc.request(ImportRpc.errors, { caller, id, limit: ERROR_PAGE });
    const rpc = this.rpc;
    async function* lines(): AsyncGenerator<string> {
      yield 'line,field,message\n';
      let page = first;
      while (page.length > 0) {
        yield page.map((e) => `${e.line},${csvField(e.field)},${csvField(e.message)}\n`).join('');
        if (page.length < ERROR_PAGE) return;
        page = await rpc.request(ImportRpc.errors, {
          caller,
          id,
          afterLine: page[page.length - 1].line,
          limit: ERROR_PAGE,
        });
      }
    }
    return Readable.from(lines());
  }
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
