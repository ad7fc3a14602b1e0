import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { OrderRpc } from '@closeloop/contracts';
import { OrderService } from './order.service';

/** NATS edge of orders. */
@Injectable()
export class OrdersHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly orders: OrderService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(OrderRpc.create, (request) => this.orders.create(request));
  }
}
