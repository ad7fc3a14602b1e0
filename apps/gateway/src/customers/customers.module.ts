import { Module } from '@nestjs/common';
import { CustomersController } from './customers.controller';

/** Customer reads, search and erasure, forwarded to intake. */
@Module({
  controllers: [CustomersController],
})
export class CustomersModule {}
