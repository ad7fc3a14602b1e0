import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';

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
