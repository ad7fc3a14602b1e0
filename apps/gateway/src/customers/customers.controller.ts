import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import {
  CustomerRpc,
  EraseCustomerQuery,
  GetCustomerQuery,
  SearchCustomersQuery,
  type Caller,
  type CustomerErasedView,
  type CustomerView,
  type Page,
} from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import { CustomerErasedDoc, CustomerPageDoc, CustomerViewDoc } from './customer.views';

/** X1, X2: customer records, masked unless a permitted role asks with a reason; every such read is audited. */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(private readonly rpc: RpcClient) {}

  /** Exact match by phone or e-mail (through the keyed hash) or by external id; results are masked. */
  @Get()
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOkResponse({ type: CustomerPageDoc })
  search(@Query() query: SearchCustomersQuery, @CurrentCaller() caller: Caller): Promise<Page<CustomerView>> {
    return this.rpc.request(CustomerRpc.search, { caller, ...query });
  }

  /** The customer; `unmask=true&reason=...` shows contacts and name in clear to permitted roles (audited). */
  @Get(':id')
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOkResponse({ type: CustomerViewDoc })
  @ApiForbiddenResponse({ description: 'unmask asked by a role that may not see contacts' })
  @ApiNotFoundResponse()
  @ApiGoneResponse({ description: 'the customer was erased' })
  get(
    @Param('id') id: string,
    @Query() query: GetCustomerQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<CustomerView> {
    return this.rpc.request(CustomerRpc.get, {
      caller,
      id,
      unmask: query.unmask === 'true',
      reason: query.reason,
    });
  }

  /** Erasure on request: contacts, external ids and name are removed; `customer.erased.v1` follows. */
  @Delete(':id')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: CustomerErasedDoc })
  @ApiGoneResponse({ description: 'already erased' })
  erase(
    @Param('id') id: string,
    @Query() query: EraseCustomerQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<CustomerErasedView> {
    return this.rpc.request(CustomerRpc.erase, { caller, id, reason: query.reason });
  }
}
