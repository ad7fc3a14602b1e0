import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import { CreateOrderDto, OrderRpc, type Caller, type OrderReply } from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import { IdempotentReplay, ReplyBody } from '../http/reply.decorators';

class OrderViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty() externalOrderId!: string;
  @ApiProperty({ description: 'fen' }) amountFen!: number;
  @ApiProperty({ nullable: true }) productLine!: string | null;
  @ApiProperty({ nullable: true }) storeId!: string | null;
  @ApiProperty({ format: 'date-time' }) orderedAt!: string;
  @ApiProperty({ nullable: true, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) installedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** Orders of customers (G1 inputs). Idempotent by `externalOrderId`. */
@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class OrdersController {
  constructor(private readonly rpc: RpcClient) {}

  /** 201 for a new order; the same order again answers 200 with `Idempotent-Replayed: true`. */
  @Post()
  @Roles('admin', 'supervisor', 'agent')
  @ApiCreatedResponse({ type: OrderViewDoc })
  @ApiConflictResponse({ description: 'the external order id was recorded with other content' })
  @IdempotentReplay({ status: 200 })
  @ReplyBody(({ order }: OrderReply) => order)
  create(@Body() order: CreateOrderDto, @CurrentCaller() caller: Caller): Promise<OrderReply> {
    return this.rpc.request(OrderRpc.create, { caller, order });
  }
}
