import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { CustomerRpc } from '@closeloop/contracts';
import { CustomersService } from './customers.service';

/** NATS edge of the customer record (X1, X2): validates (RpcServer does), calls the service, replies. */
@Injectable()
export class CustomersHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly customers: CustomersService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(CustomerRpc.get, (request) => this.customers.get(request));
    this.rpc.handle(CustomerRpc.search, (request) => this.customers.search(request));
    this.rpc.handle(CustomerRpc.erase, (request) => this.customers.erase(request));
  }
}
