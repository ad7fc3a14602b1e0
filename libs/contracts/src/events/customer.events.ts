import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { SEGMENTS, type Segment } from '../domain';
import { defineEvent } from './event';

/**
 * customer.erased.v1 — intake anonymised a customer on request (X1): contacts, external ids and name are gone.
 * Every service holding a copy of the customer's personal data drops or anonymises it. The id stays: it is a
 * UUID that carries no personal data (random; for imported customers time-ordered, v7, which tells only when
 * the record was created, as `createdAt` does), so tickets and feedback keep pointing at a tombstone.
 */
export class CustomerErasedV1 {
  @IsUUID()
  customerId!: string;

  @IsISO8601({ strict: true })
  erasedAt!: string;
}

/**
 * customer.segment-changed.v1 — intake recomputed a customer's G1 segment and it differs from before.
 * `previous` is absent the first time a customer gets a segment; `segment` is absent when no G1 rule applies
 * any more (an established customer with no growth signal: docs/segments.md).
 */
export class CustomerSegmentChangedV1 {
  @IsUUID()
  customerId!: string;

  @IsOptional()
  @IsIn(SEGMENTS)
  segment?: Segment;

  @IsOptional()
  @IsIn(SEGMENTS)
  previous?: Segment;

  @IsISO8601({ strict: true })
  changedAt!: string;
}

/** Most customers one `customer.imported.v1` names (about 390 KB of JSON; NATS allows 1 MB a message). */
export const CUSTOMER_IMPORTED_MAX_IDS = 10_000;

/**
 * customer.imported.v1 — one batch of a bulk import (docs/imports.md) created these customers; each starts
 * with the G1 segment `segment` (always `new`: they were registered just now). Stands in, for imported
 * customers only, for the `customer.segment-changed.v1` each would otherwise get (decision 0010): a
 * partner tracking segments treats every id here as `segment-changed` from none to `segment`. Ids only,
 * never contacts or names. Later changes of these customers' segments come as `customer.segment-changed.v1`.
 */
export class CustomerImportedV1 {
  @IsUUID()
  importId!: string;

  @IsIn(SEGMENTS)
  segment!: Segment;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CUSTOMER_IMPORTED_MAX_IDS)
  @IsUUID('all', { each: true })
  customerIds!: string[];

  @IsISO8601({ strict: true })
  importedAt!: string;
}

/**
 * customer.merged.v1 — a supervisor merged a duplicate customer into another (I5). Every service re-points
 * what it holds for `mergedId` to `survivorId`; `mergedId` stays as a tombstone that resolves to the survivor.
 */
export class CustomerMergedV1 {
  @IsUUID()
  survivorId!: string;

  @IsUUID()
  mergedId!: string;

  @IsISO8601({ strict: true })
  mergedAt!: string;
}

export const CustomerEvents = {
  erased: defineEvent(
    'customer.erased.v1',
    CustomerErasedV1,
    'A customer was erased on request; drop or anonymise every copy of their personal data.',
  ),
  segmentChanged: defineEvent(
    'customer.segment-changed.v1',
    CustomerSegmentChangedV1,
    "A customer's G1 segment changed (new, potential, high value, churn risk).",
  ),
  imported: defineEvent(
    'customer.imported.v1',
    CustomerImportedV1,
    'A batch of a bulk import created these customers, each with its initial G1 segment (new).',
  ),
  merged: defineEvent(
    'customer.merged.v1',
    CustomerMergedV1,
    'A duplicate customer was merged into another; re-point everything held for the merged id.',
  ),
} as const;
