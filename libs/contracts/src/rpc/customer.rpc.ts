import { Type } from 'class-transformer';
import {
  IsBoolean,
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
  ValidateNested,
} from 'class-validator';
import { Caller } from '../caller';
import {
  SEGMENTS,
  type ConsentChannel,
  type ConsentPurpose,
  type CustomerKind,
  type Segment,
} from '../domain';
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

/**
 * Exactly one of phone, email, externalId (exact match), or a list by segment and/or store (checked by
 * intake); cursor pagination.
 */
export class SearchCustomersRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsOptional()
  @IsIn(SEGMENTS)
  segment?: Segment;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  storeId?: string;

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

export interface ConsentView {
  purpose: ConsentPurpose;
  granted: boolean;
  channel: ConsentChannel;
  givenAt: string;
}

/** Per-customer figures kept from orders and events (G1 inputs). Money in fen. */
export interface CustomerStatsView {
  ordersCount: number;
  /** Orders of the last 12 months. */
  annualSpendFen: number;
  totalSpendFen: number;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  ticketsCount: number;
  complaintsCount: number;
  objectionsCount: number;
  lastObjectionAt: string | null;
  /** Latest satisfaction on a 0-100 scale (surveys, callbacks); null until one is recorded. */
  satisfaction: number | null;
  callbacksCount: number;
  lastInteractionAt: string | null;
  /** When the cooperation started: the first order, or when the customer was registered. */
  cooperationSince: string;
}

/** A customer as the API shows it: contacts, name and ID number masked unless unmasked with a reason (X1). */
export interface CustomerView {
  id: string;
  kind: CustomerKind;
  name: string | null;
  contacts: { kind: ContactKindView; value: string }[];
  externalIds: { source: string; externalId: string }[];
  idNumber: string | null;
  storeId: string | null;
  accountManagerId: string | null;
  consents: ConsentView[];
  segment: Segment | null;
  stats: CustomerStatsView;
  /** True when name, contacts and ID number are in clear (an audited read, X2). */
  unmasked: boolean;
  /** Optimistic concurrency: the ETag is `"v<version>"`; PATCH needs it in If-Match. */
  version: number;
  createdAt: string;
  updatedAt: string;
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
