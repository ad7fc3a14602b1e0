import type { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
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
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import { ImportQuery, ImportRpc, type Caller, type ImportView } from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import { Location } from '../http/reply.decorators';
import { ImportUploadService } from './import-upload.service';
import { UploadBody, UPLOAD_TYPES } from './upload-body.parser';

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
    private readonly uploads: ImportUploadService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiConsumes(...UPLOAD_TYPES)
  @ApiBody({
    schema: { type: 'string', format: 'binary' },
    description: 'the file (docs/imports.md: columns)',
  })
  @ApiAcceptedResponse({ type: ImportViewDoc, description: 'queued; Location: /api/v1/imports/{id}' })
  @Location((job: ImportView) => `/api/v1/imports/${job.id}`)
  upload(
    @Query() query: ImportQuery,
    @UploadBody() file: Readable,
    @CurrentCaller() caller: Caller,
  ): Promise<ImportView> {
    return this.uploads.upload(caller, query, file);
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
    await sendCsv(reply, `import-${id}-errors.csv`, await this.uploads.errorsCsv(caller, id));
  }
}

/** A csv download: sent as it is read, never held whole. */
async function sendCsv(reply: FastifyReply, fileName: string, csv: Readable): Promise<void> {
  await reply
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${fileName}"`)
    .send(csv);
}
