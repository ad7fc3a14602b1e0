import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';

/** The largest order amount accepted, in fen (100 million yuan): catches unit mistakes (yuan vs fen x100). */
export const MAX_ORDER_FEN = 10_000_000_000;

/** POST /api/v1/orders: an order of a customer; `externalOrderId` makes it idempotent. Money in fen. */
export class CreateOrderDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId!: string;

  @ApiProperty({
    maxLength: 64,
    description: 'the order id in the shop or ERP; the same one twice records one order',
  })
  @IsString()
  @Length(1, 64)
  externalOrderId!: string;

  @ApiProperty({ description: 'amount in fen (1 yuan = 100 fen)', example: 129900 })
  @IsInt()
  @Min(0)
  @Max(MAX_ORDER_FEN)
  amountFen!: number;

  @ApiPropertyOptional({ maxLength: 64, example: 'water-heater' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  productLine?: string;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  storeId?: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  orderedAt!: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  deliveredAt?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  installedAt?: string;
}
