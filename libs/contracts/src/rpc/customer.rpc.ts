import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Caller } from '../caller';
import { defineRpc } from './rpc';

/** X1, X2: why someone asks for unmasked data or erases a customer; stored in the audit log. */
export const REASON_LENGTH = { min: 5, max: 200 } as const;
export const PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

export class GetCustomerRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;

  /** X1: show contacts and name in clear; needs a role allowed by the privacy settings and a reason. */
  @IsOptional()
  @IsBoolean()
  unmask?: boolean;

  @IsOptional()
  @IsString()
  @Length(REASON_LENGTH.min, REASON_LENGTH.max)
  reason?: string;
}

/** Exactly one of phone, email, externalId (checked by intake). */
export class SearchCustomersRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsOptional()
  @IsString()
  @Length(3, 32)
  phone?: string;

  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  externalId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @IsOptional()
  @IsInt()
  @Min(PAGE_LIMIT.min)
  @Max(PAGE_LIMIT.max)
  limit?: number;
}

export class EraseCustomerRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;

  @IsString()
  @Length(REASON_LENGTH.min, REASON_LENGTH.max)
  reason!: string;
}

export class ListAuditRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsOptional()
  @IsUUID()
  customerId?: string;

  @IsOptional()
  @IsUUID()
  actor?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @IsOptional()
  @IsInt()
  @Min(PAGE_LIMIT.min)
  @Max(PAGE_LIMIT.max)
  limit?: number;
}

export type ContactKindView = 'phone' | 'email';

/** A customer as the API shows it: contacts and name masked unless unmasked with a reason (X1). */
export interface CustomerView {
  id: string;
  kind: 'person' | 'company';
  name: string | null;
  contacts: { kind: ContactKindView; value: string }[];
  externalIds: { source: string; externalId: string }[];
  /** True when name and contacts are in clear (an audited read, X2). */
  unmasked: boolean;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface CustomerErasedView {
  id: string;
  erasedAt: string;
}

/** X2: one audit log row. */
export interface AuditEntryView {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  customerId: string | null;
  fields: string[];
  reason: string | null;
  correlationId: string | null;
}

export const CustomerRpc = {
  get: defineRpc<GetCustomerRequest, CustomerView>('intake', 'customer.get', GetCustomerRequest),
  search: defineRpc<SearchCustomersRequest, Page<CustomerView>>(
    'intake',
    'customer.search',
    SearchCustomersRequest,
  ),
  erase: defineRpc<EraseCustomerRequest, CustomerErasedView>(
    'intake',
    'customer.erase',
    EraseCustomerRequest,
  ),
  listAudit: defineRpc<ListAuditRequest, Page<AuditEntryView>>('intake', 'audit.list', ListAuditRequest),
} as const;
