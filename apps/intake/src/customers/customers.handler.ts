import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { CustomerRpc, CustomerWriteRpc } from '@closeloop/contracts';
import { CustomerMergeService } from './customer-merge.service';
import { CustomerRegistryService } from './customer-registry.service';
import { CustomersService } from './customers.service';

/** NATS edge of the customer record (I5, X1, X2): validates (RpcServer does), calls the service, replies. */
@Injectable()
export class CustomersHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly customers: CustomersService,
    private readonly registry: CustomerRegistryService,
    private readonly merges: CustomerMergeService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(CustomerRpc.get, (request) => this.customers.get(request));
    this.rpc.handle(CustomerRpc.search, (request) => this.customers.search(request));
    this.rpc.handle(CustomerRpc.erase, (request) => this.customers.erase(request));
    this.rpc.handle(CustomerWriteRpc.create, (request) => this.registry.create(request));
    this.rpc.handle(CustomerWriteRpc.update, (request) => this.registry.update(request));
    this.rpc.handle(CustomerWriteRpc.merge, (request) => this.merges.merge(request));
    this.rpc.handle(CustomerWriteRpc.duplicates, (request) => this.merges.duplicates(request));
  }
}
