import { Type } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { CreateCustomerDto, MergeCustomerDto, UpdateCustomerDto } from '../http/customer-write.dto';
import { IDEMPOTENCY_KEY_PATTERN } from './feedback.rpc';
import type { CustomerView } from './customer.rpc';
import { defineRpc } from './rpc';

export class CreateCustomerRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY_PATTERN)
  idempotencyKey?: string;

  @ValidateNested()
  @Type(() => CreateCustomerDto)
  customer!: CreateCustomerDto;
}

export class UpdateCustomerRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;

  /** The client's If-Match header as sent: 428 when absent, 412 when stale. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  ifMatch?: string;

  @ValidateNested()
  @Type(() => UpdateCustomerDto)
  changes!: UpdateCustomerDto;
}

export class MergeCustomerRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  /** The survivor. */
  @IsUUID()
  id!: string;

  @ValidateNested()
  @Type(() => MergeCustomerDto)
  merge!: MergeCustomerDto;
}

export class DuplicatesRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;
}

export interface CustomerWriteReply {
  customer: CustomerView;
  /** True for a create answered from an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** A possible duplicate of a customer and why (I5); ids only. */
export interface DuplicateCandidateView {
  id: string;
  reasons: ('same_name_and_store' | 'same_id_number' | 'same_external_id')[];
}

export interface MergedView {
  survivorId: string;
  mergedId: string;
  mergedAt: string;
}

export const CustomerWriteRpc = {
  create: defineRpc<CreateCustomerRequest, CustomerWriteReply>(
    'intake',
    'customer.create',
    CreateCustomerRequest,
  ),
  update: defineRpc<UpdateCustomerRequest, CustomerWriteReply>(
    'intake',
    'customer.update',
    UpdateCustomerRequest,
  ),
  merge: defineRpc<MergeCustomerRequest, MergedView>('intake', 'customer.merge', MergeCustomerRequest),
  duplicates: defineRpc<DuplicatesRequest, DuplicateCandidateView[]>(
    'intake',
    'customer.duplicates',
    DuplicatesRequest,
  ),
} as const;
