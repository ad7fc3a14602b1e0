import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { validateContract } from '@closeloop/contracts';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object, undefined];

/**
 * Validates every body and DTO-typed parameter with the same function the services use: unknown fields,
 * wrong types and a missing or non-object body all become 400 problem+json with field errors.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom' || PRIMITIVES.includes(metadata.metatype)) return value;
    return validateContract(metadata.metatype as new () => object, value ?? {});
  }
}
