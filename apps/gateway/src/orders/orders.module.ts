import { Module } from '@nestjs/common';
import { OrdersController } from './orders.controller';

/** Orders, forwarded to intake. */
@Module({
  controllers: [OrdersController],
})
export class OrdersModule {}
