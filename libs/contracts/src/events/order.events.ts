import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, Min } from 'class-validator';
import { defineEvent } from './event';

/**
 * order.recorded.v1 — intake recorded a customer's order (API or import). Callbacks plan after-delivery and
 * after-installation calls from it (C2); reports sum spend. Ids, amounts and dates only.
 */
export class OrderRecordedV1 {
  @IsUUID()
  orderId!: string;

  @IsUUID()
  customerId!: string;

  @IsInt()
  @Min(0)
  amountFen!: number;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  productLine?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  storeId?: string;

  @IsISO8601({ strict: true })
  orderedAt!: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  deliveredAt?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  installedAt?: string;
}

export const OrderEvents = {
  recorded: defineEvent('order.recorded.v1', OrderRecordedV1, "A customer's order was recorded."),
} as const;
