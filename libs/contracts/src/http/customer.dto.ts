import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { SEGMENTS, type Segment } from '../domain';
import { PAGE_LIMIT, REASON_LENGTH } from '../rpc/customer.rpc';

/** Query strings carry text: a limit is converted to a number here, then checked like any number. */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/** GET /api/v1/customers/{id}?unmask=true&reason=... (X1). */
/** Cursor pagination shared by every list query: `cursor` from the previous page, `limit` per page. */
export class PageQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ minimum: PAGE_LIMIT.min, maximum: PAGE_LIMIT.max, default: PAGE_LIMIT.default })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(PAGE_LIMIT.min)
  @Max(PAGE_LIMIT.max)
  limit?: number;
}

export class GetCustomerQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Show contacts and name in clear (audited)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unmask?: 'true' | 'false';

  @ApiPropertyOptional({
    minLength: REASON_LENGTH.min,
    maxLength: REASON_LENGTH.max,
    description: 'Why the unmasked data is needed; required with unmask=true; stored in the audit log (X2)',
  })
  @ValidateIf((query: GetCustomerQuery) => query.unmask === 'true' || query.reason !== undefined)
  @IsString()
  @Length(REASON_LENGTH.min, REASON_LENGTH.max)
  reason?: string;
}

/**
 * GET /api/v1/customers?phone= | email= | externalId= (exact match), or ?segment=&storeId= (a list by id);
 * results masked.
 */
export class SearchCustomersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SEGMENTS })
  @IsOptional()
  @IsIn(SEGMENTS)
  segment?: Segment;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  storeId?: string;

  @ApiPropertyOptional({ example: '+86 138 0013 8000', description: 'Any common format (normalised)' })
  @IsOptional()
  @IsString()
  @Length(3, 32)
  phone?: string;

  @ApiPropertyOptional({ example: 'someone@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'The id of the customer in a partner system' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  externalId?: string;
}

/** DELETE /api/v1/customers/{id}?reason=... */
export class EraseCustomerQuery {
  @ApiProperty({ minLength: REASON_LENGTH.min, maxLength: REASON_LENGTH.max })
  @IsString()
  @Length(REASON_LENGTH.min, REASON_LENGTH.max)
  reason!: string;
}

/** GET /api/v1/audit (admin). */
export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'user id of who acted' })
  @IsOptional()
  @IsUUID()
  actor?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'exclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
