import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBase64,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Caller } from '../caller';
import { PAGE_LIMIT } from './customer.rpc';
import { defineRpc } from './rpc';

export const IMPORT_KINDS = ['customers', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
export const IMPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const IMPORT_STATUSES = ['uploading', 'queued', 'running', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** An uploaded file travels to intake in chunks of at most this many bytes (NATS messages stay small). */
export const IMPORT_CHUNK_BYTES = 512 * 1024;

/**
 * Chunks an uploader (gateway, CLI) keeps in flight at once: intake stores them concurrently (chunks carry
 * their sequence number; the commit checks the SHA-256 of the whole), so the upload is not one round trip
 * per chunk. Bounded, so memory stays at a few MB per upload.
 */
export const IMPORT_CHUNKS_IN_FLIGHT = 4;

/** POST /api/v1/imports?kind=customers&format=csv (the body is the file). */
export class ImportQuery {
  @ApiProperty({ enum: IMPORT_KINDS })
  @IsIn(IMPORT_KINDS)
  kind!: ImportKind;

  @ApiProperty({ enum: IMPORT_FORMATS })
  @IsIn(IMPORT_FORMATS)
  format!: ImportFormat;

  @ApiProperty({ required: false, maxLength: 200, description: 'shown in the import status' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  fileName?: string;
}

export class BeginImportRequest extends ImportQuery {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;
}

export class ImportChunkRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;

  @IsInt()
  @Min(0)
  @Max(100_000)
  seq!: number;

  /** Base64 of at most IMPORT_CHUNK_BYTES bytes. */
  @IsBase64()
  @MaxLength(Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4)
  data!: string;
}

export class CommitImportRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;

  /** How many chunks were sent (0..n-1): a missing one fails the commit. */
  @IsInt()
  @Min(1)
  @Max(100_001)
  chunks!: number;

  /** SHA-256 (hex) of the whole file, checked against the stored chunks. */
  @Matches(/^[0-9a-f]{64}$/)
  sha256!: string;
}

export class GetImportRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;
}

export class ImportErrorsRequest extends GetImportRequest {
  /** Errors of lines after this one. */
  @IsOptional()
  @IsInt()
  @Min(0)
  afterLine?: number;

  @IsOptional()
  @IsInt()
  @Min(PAGE_LIMIT.min)
  @Max(10_000)
  limit?: number;
}

/** An import job: where it is and what it did. Counts are rows (lines of data, not the header). */
export interface ImportView {
  id: string;
  kind: ImportKind;
  format: ImportFormat;
  fileName: string | null;
  status: ImportStatus;
  bytes: number;
  /** Data rows read so far (the header excluded). */
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A bad row: its line in the file (1 = the header), the field and why; never the value (X1). */
export interface ImportErrorView {
  line: number;
  field: string;
  message: string;
}

export const ImportRpc = {
  begin: defineRpc<BeginImportRequest, ImportView>('intake', 'import.begin', BeginImportRequest),
  chunk: defineRpc<ImportChunkRequest, { received: number }>('intake', 'import.chunk', ImportChunkRequest),
  commit: defineRpc<CommitImportRequest, ImportView>('intake', 'import.commit', CommitImportRequest),
  get: defineRpc<GetImportRequest, ImportView>('intake', 'import.get', GetImportRequest),
  errors: defineRpc<ImportErrorsRequest, ImportErrorView[]>('intake', 'import.errors', ImportErrorsRequest),
} as const;
