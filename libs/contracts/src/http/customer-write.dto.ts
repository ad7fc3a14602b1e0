import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  CUSTOMER_KINDS,
  EXTERNAL_SOURCE_PATTERN,
  type ConsentChannel,
  type ConsentPurpose,
  type CustomerKind,
} from '../domain';
import { REASON_LENGTH } from '../rpc/customer.rpc';

/** How many contacts or external ids one request may carry. */
export const MAX_CONTACTS = 10;

/** A list of phones in any common format (normalised by intake). */
const PhoneList = (description?: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: ['138-0013-8000'], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_CONTACTS),
    IsString({ each: true }),
    Length(3, 32, { each: true }),
  );

const EmailList = () =>
  applyDecorators(
    ApiPropertyOptional({ type: [String] }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_CONTACTS),
    IsEmail({}, { each: true }),
    MaxLength(254, { each: true }),
  );

const ExternalIdList = () =>
  applyDecorators(
    ApiPropertyOptional({ type: [ExternalIdDto] }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_CONTACTS),
    ValidateNested({ each: true }),
    Type(() => ExternalIdDto),
  );

const ConsentList = (description?: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [ConsentDto], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(CONSENT_PURPOSES.length),
    ValidateNested({ each: true }),
    Type(() => ConsentDto),
  );

export class ExternalIdDto {
  @ApiProperty({ example: 'crm', description: 'the partner system (lowercase letters, digits, _ -)' })
  @Matches(EXTERNAL_SOURCE_PATTERN, { message: 'source must be 1-32 of a-z 0-9 _ - (e.g. crm)' })
  source!: string;

  @ApiProperty({ maxLength: 64 })
  @IsString()
  @Length(1, 64)
  externalId!: string;
}

/** X1 consent: given or withdrawn, when and how. */
export class ConsentDto {
  @ApiProperty({ enum: CONSENT_PURPOSES })
  @IsIn(CONSENT_PURPOSES)
  purpose!: ConsentPurpose;

  @ApiProperty()
  @IsBoolean()
  granted!: boolean;

  @ApiProperty({ enum: CONSENT_CHANNELS, description: 'how the customer gave or withdrew it' })
  @IsIn(CONSENT_CHANNELS)
  channel!: ConsentChannel;

  @ApiPropertyOptional({ format: 'date-time', description: 'when; now when absent' })
  @IsOptional()
  @IsISO8601({ strict: true })
  givenAt?: string;
}

/** POST /api/v1/customers (I5, X1). Contacts are normalised; a contact known already is a 409. */
export class CreateCustomerDto {
  @ApiPropertyOptional({ enum: CUSTOMER_KINDS, default: 'person' })
  @IsOptional()
  @IsIn(CUSTOMER_KINDS)
  kind?: CustomerKind;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @PhoneList('any common format; mainland China is the default region')
  phones?: string[];

  @EmailList()
  emails?: string[];

  @ExternalIdList()
  externalIds?: ExternalIdDto[];

  @ApiPropertyOptional({
    description: 'mainland resident ID number (18 characters, checked); stored encrypted',
  })
  @IsOptional()
  @IsString()
  @Length(15, 18)
  idNumber?: string;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  storeId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the user id of the account manager' })
  @IsOptional()
  @IsUUID()
  accountManagerId?: string;

  @ConsentList()
  consents?: ConsentDto[];
}

/**
 * PATCH /api/v1/customers/{id} with If-Match. Absent fields stay; `null` clears name, idNumber, storeId or
 * accountManagerId. Contacts and external ids are added and removed explicitly.
 */
export class UpdateCustomerDto {
  @ApiPropertyOptional({ enum: CUSTOMER_KINDS })
  @IsOptional()
  @IsIn(CUSTOMER_KINDS)
  kind?: CustomerKind;

  @ApiPropertyOptional({ maxLength: 100, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(15, 18)
  idNumber?: string | null;

  @ApiPropertyOptional({ maxLength: 64, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  storeId?: string | null;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  accountManagerId?: string | null;

  @PhoneList()
  addPhones?: string[];

  @PhoneList()
  removePhones?: string[];

  @EmailList()
  addEmails?: string[];

  @EmailList()
  removeEmails?: string[];

  @ExternalIdList()
  addExternalIds?: ExternalIdDto[];

  @ExternalIdList()
  removeExternalIds?: ExternalIdDto[];

  @ConsentList('replaces the consent of each purpose given')
  consents?: ConsentDto[];
}

/** POST /api/v1/customers/{id}/merge: `duplicateId` is merged into the customer of the path (I5). */
export class MergeCustomerDto {
  @ApiProperty({ format: 'uuid', description: 'the duplicate; it will resolve to the survivor' })
  @IsUUID()
  duplicateId!: string;

  @ApiProperty({ minLength: REASON_LENGTH.min, maxLength: REASON_LENGTH.max })
  @IsString()
  @Length(REASON_LENGTH.min, REASON_LENGTH.max)
  reason!: string;
}
