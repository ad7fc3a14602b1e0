import { Module } from '@nestjs/common';
import { CustomerEventsHandler } from './customer-events.handler';
import { CustomerFollowRepository } from './customer-follow.repository';

/** Tickets follow customer merges and erasures announced by intake. */
@Module({
  controllers: [CustomerEventsHandler],
  providers: [CustomerFollowRepository],
})
export class CustomersModule {}
