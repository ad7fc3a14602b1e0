import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import { CreateOrderRequest, OrderRpc, type OrderReply } from '@closeloop/contracts';
import { OrderService } from './order.service';

/** NATS edge of orders. */
@Controller()
export class OrdersHandler {
  constructor(private readonly orders: OrderService) {}

  @MessagePattern(OrderRpc.create)
  create(@Payload() request: CreateOrderRequest): Promise<OrderReply> {
    return this.orders.create(request);
  }
}
