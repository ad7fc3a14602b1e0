import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { CreateOrderDto } from '../http/order.dto';
import { defineRpc } from './rpc';

export class CreateOrderRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @ValidateNested()
  @Type(() => CreateOrderDto)
  order!: CreateOrderDto;
}

export interface OrderView {
  id: string;
  customerId: string;
  externalOrderId: string;
  amountFen: number;
  productLine: string | null;
  storeId: string | null;
  orderedAt: string;
  deliveredAt: string | null;
  installedAt: string | null;
  createdAt: string;
}

export interface OrderReply {
  order: OrderView;
  /** True when the same external order id was recorded before with the same content (nothing changed). */
  replayed: boolean;
}

export const OrderRpc = {
  create: defineRpc<CreateOrderRequest, OrderReply>('intake', 'order.create', CreateOrderRequest),
} as const;
