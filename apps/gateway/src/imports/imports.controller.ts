import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiProduces,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import type { GatewayEnv } from '../gateway.env';
import { UPLOAD_TYPES } from './upload-body.parser';

class ImportViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['customers', 'orders'] }) kind!: string;
  @ApiProperty({ enum: ['csv', 'xlsx'] }) format!: string;
  @ApiProperty({ nullable: true }) fileName!: string | null;
  @ApiProperty({ enum: ['uploading', 'queued', 'running', 'done', 'failed'] }) status!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'data rows read so far' }) rowsRead!: number;
  @ApiProperty({ description: 'new customers or orders' }) created!: number;
  @ApiProperty({ description: 'known customers that got a contact, external id or consent' })
  updated!: number;
  @ApiProperty({ description: 'rows that were known already and added nothing' }) unchanged!: number;
  @ApiProperty({ description: 'rows refused (see the error report)' }) failed!: number;
  @ApiProperty({ nullable: true }) error!: string | null;
  @ApiProperty({ nullable: true, format: 'uuid' }) createdBy!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, format: 'date-time' }) startedAt!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) finishedAt!: string | null;
}

/**
 * Bulk import of customers and orders (csv, xlsx): the file is the request body; it is processed as a job
 * (status and progress at GET /imports/{id}, refused rows at /imports/{id}/errors as csv).
 */
@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
@Roles('admin', 'supervisor')
export class ImportsController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiConsumes(...UPLOAD_TYPES)
  @ApiBody({
    schema: { type: 'string', format: 'binary' },
    description: 'the file (docs/imports.md: columns)',
  })
  @ApiAcceptedResponse({ type: ImportViewDoc, description: 'queued; Location: /api/v1/imports/{id}' })
  async upload(
    @Query() query: ImportQuery,
    @Req() request: FastifyRequest,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImportView> {
    const body = request.body;
    if (!(body instanceof Readable)) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `send the file as one of: ${UPLOAD_TYPES.join(', ')}`);
    }
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
    const queued = await this.rpc.request(ImportRpc.commit, {
      caller,
      id: job.id,
      chunks: seq,
      sha256: hash.digest('hex'),
    });
    void reply.header('Location', `/api/v1/imports/${job.id}`);
    return queued;
  }

  @Get(':id')
  @ApiOkResponse({ type: ImportViewDoc })
  get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<ImportView> {
    return this.rpc.request(ImportRpc.get, { caller, id });
  }

  /** The refused rows as csv: `line,field,message` (never the values). */
  @Get(':id/errors')
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'line,field,message' })
  async errors(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Asked once before the stream starts, so a missing import is a 404 problem, not a broken download.
    const first = await this.rpc.request(ImportRpc.errors, { caller, id, limit: 10_000 });
    const rpc = this.rpc;
    async function* lines(): AsyncGenerator<string> {
      yield 'line,field,message\n';
      let page = first;
      while (page.length > 0) {
        yield page.map((e) => `${e.line},${csvField(e.field)},${csvField(e.message)}\n`).join('');
        if (page.length < 10_000) return;
        page = await rpc.request(ImportRpc.errors, {
          caller,
          id,
          afterLine: page[page.length - 1].line,
          limit: 10_000,
        });
      }
    }
    await reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="import-${id}-errors.csv"`)
      .send(Readable.from(lines()));
  }
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
