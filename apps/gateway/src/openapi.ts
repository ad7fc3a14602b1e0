import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { INestApplication } from '@nestjs/common';

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Closeloop API')
    .setDescription(
      'Customer feedback, callback (回访) and satisfaction platform. Errors are application/problem+json ' +
        '(RFC 9457) with a stable `type`, `code`, field `errors` and the `correlationId`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
