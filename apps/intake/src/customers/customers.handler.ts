import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import {
  CreateCustomerRequest,
  CustomerRpc,
  CustomerWriteRpc,
  DuplicatesRequest,
  EraseCustomerRequest,
  GetCustomerRequest,
  MergeCustomerRequest,
  SearchCustomersRequest,
  UpdateCustomerRequest,
  type CustomerErasedView,
  type CustomerView,
  type CustomerWriteReply,
  type DuplicateCandidateView,
  type MergedView,
  type Page,
} from '@closeloop/contracts';
import { CustomerMergeService } from './customer-merge.service';
import { CustomerRegistryService } from './customer-registry.service';
import { CustomersService } from './customers.service';

/** NATS edge of the customer record (I5, X1, X2): validates (the platform does), calls the service, replies. */
@Controller()
export class CustomersHandler {
  constructor(
    private readonly customers: CustomersService,
    private readonly registry: CustomerRegistryService,
    private readonly merges: CustomerMergeService,
  ) {}

  @MessagePattern(CustomerRpc.get)
  get(@Payload() request: GetCustomerRequest): Promise<CustomerView> {
    return this.customers.get(request);
  }

  @MessagePattern(CustomerRpc.search)
  search(@Payload() request: SearchCustomersRequest): Promise<Page<CustomerView>> {
    return this.customers.search(request);
  }

  @MessagePattern(CustomerRpc.erase)
  erase(@Payload() request: EraseCustomerRequest): Promise<CustomerErasedView> {
    return this.customers.erase(request);
  }

  @MessagePattern(CustomerWriteRpc.create)
  create(@Payload() request: CreateCustomerRequest): Promise<CustomerWriteReply> {
    return this.registry.create(request);
  }

  @MessagePattern(CustomerWriteRpc.update)
  update(@Payload() request: UpdateCustomerRequest): Promise<CustomerWriteReply> {
    return this.registry.update(request);
  }

  @MessagePattern(CustomerWriteRpc.merge)
  merge(@Payload() request: MergeCustomerRequest): Promise<MergedView> {
    return this.merges.merge(request);
  }

  @MessagePattern(CustomerWriteRpc.duplicates)
  duplicates(@Payload() request: DuplicatesRequest): Promise<DuplicateCandidateView[]> {
    return this.merges.duplicates(request);
  }
}
