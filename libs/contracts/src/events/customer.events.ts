import { IsISO8601, IsUUID } from 'class-validator';
import { defineEvent } from './event';

/**
 * customer.erased.v1 — intake anonymised a customer on request (X1): contacts, external ids and name are gone.
 * Every service holding a copy of the customer's personal data drops or anonymises it. The id stays: it is a
 * random UUID that carries no personal data, so tickets and feedback keep pointing at a tombstone.
 */
export class CustomerErasedV1 {
  @IsUUID()
  customerId!: string;

  @IsISO8601({ strict: true })
  erasedAt!: string;
}

export const CustomerEvents = {
  erased: defineEvent(
    'customer.erased.v1',
    CustomerErasedV1,
    'A customer was erased on request; drop or anonymise every copy of their personal data.',
  ),
} as const;
