import { Body, Controller, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import { CreateOrderDto, OrderRpc, type Caller, type OrderView } from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';

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
  async create(
    @Body() body: CreateOrderDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const { order, replayed } = await this.rpc.request(OrderRpc.create, { caller, order: body });
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    void reply.status(replayed ? 200 : 201);
    return order;
  }
}
