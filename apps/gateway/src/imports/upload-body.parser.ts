import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** The media types of import files; their bodies reach the imports controller as a stream, unparsed. */
export const UPLOAD_TYPES = [
  'text/csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/octet-stream',
] as const;

/**
 * Registers stream pass-through parsers for import files, so an upload of hundreds of megabytes is never
 * held in memory: the controller forwards it to intake chunk by chunk and enforces IMPORT_MAX_BYTES itself
 * (the JSON body limit stays as it is for every other route).
 */
@Injectable()
export class UploadBodyParser implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    for (const type of UPLOAD_TYPES) {
      if (!fastify.hasContentTypeParser(type)) {
        fastify.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
      }
    }
  }
}
