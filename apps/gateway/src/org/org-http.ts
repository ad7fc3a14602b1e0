import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { recordEtag } from './org-records';

/** Sets the record's ETag on the reply and returns its view. */
export function withEtag<V extends { version: number }>(reply: FastifyReply, view: V): V {
  void reply.header('ETag', recordEtag(view.version));
  return view;
}

/** A new record: 201 with its ETag and where to find it. */
export function created<V extends { version: number }>(reply: FastifyReply, location: string, view: V): V {
  void reply.header('Location', location);
  return withEtag(reply, view);
}

/** OpenAPI of a change guarded by If-Match. */
export function IfMatchRequired(required = true) {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required,
      description: required
        ? 'the ETag of the version being changed (GET it first)'
        : 'optional; when sent, a stale ETag is refused',
    }),
    ApiResponse({ status: 412, description: 'If-Match is stale: GET again and redo the change' }),
    ...(required ? [ApiResponse({ status: 428, description: 'If-Match is missing' })] : []),
  );
}
