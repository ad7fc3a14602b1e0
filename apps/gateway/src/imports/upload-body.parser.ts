import { Readable } from 'node:stream';
import {
  createParamDecorator,
  Injectable,
  type ExecutionContext,
  type OnModuleInit,
  type PipeTransform,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '@closeloop/contracts';
import { refuseAfterValidation } from '../http/request.decorators';

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

/** Only a body of one of the UPLOAD_TYPES arrives as a stream; any other is 415. */
class UploadStreamPipe implements PipeTransform<unknown, Readable | Promise<never>> {
  transform(body: unknown): Readable | Promise<never> {
    if (body instanceof Readable) return body;
    return refuseAfterValidation(
      new DomainError('UNSUPPORTED_MEDIA_TYPE', `send the file as one of: ${UPLOAD_TYPES.join(', ')}`),
    );
  }
}

const rawBody = createParamDecorator(
  (_: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<FastifyRequest>().body,
);

/** The import file as the stream UploadBodyParser left it; a bad query still answers first (refuseAfterValidation). */
export const UploadBody = (): ParameterDecorator => rawBody(new UploadStreamPipe());
