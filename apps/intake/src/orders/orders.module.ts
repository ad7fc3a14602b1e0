import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { SegmentsModule } from '../segments/segments.module';
import { OrderRepository } from './order.repository';
import { OrderService } from './order.service';
import { OrdersHandler } from './orders.handler';

/** Orders of customers. */
@Module({
  imports: [CustomersModule, SegmentsModule],
  controllers: [OrdersHandler],
  providers: [OrderRepository, OrderService],
  exports: [OrderRepository, OrderService],
})
export class OrdersModule {}
