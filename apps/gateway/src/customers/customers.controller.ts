import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import {
  CreateCustomerDto,
  CustomerRpc,
  CustomerWriteRpc,
  EraseCustomerQuery,
  GetCustomerQuery,
  MergeCustomerDto,
  SearchCustomersQuery,
  UpdateCustomerDto,
  type Caller,
  type CustomerErasedView,
  type CustomerView,
  type CustomerWriteReply,
  type DuplicateCandidateView,
  type MergedView,
  type Page,
} from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
import { IdempotentReplay, ReplyBody, VersionETag } from '../http/reply.decorators';
import { IdempotencyKey, IfMatch } from '../http/request.decorators';
import {
  CustomerErasedDoc,
  CustomerPageDoc,
  CustomerViewDoc,
  DuplicateCandidateDoc,
  MergedDoc,
} from './customer.views';

/**
 * I5, X1, X2: the customer registry. Reads are masked unless a permitted role asks with a reason (audited);
 * writes are audited; PATCH needs If-Match with the ETag of the last read.
 */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(private readonly rpc: RpcClient) {}

  /**
   * Exact match by phone or e-mail (through the keyed hash) or by external id, or a list by segment and/or
   * store; masked, limited to the caller's stores. A search by contact or external id is a sensitive read
   * (X1, X2): allowed roles only (privacy settings), limited per user across replicas, audited (intake).
   */
  @Get()
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOkResponse({ type: CustomerPageDoc })
  @ApiForbiddenResponse({ description: 'searching by contact is not open to your role (privacy settings)' })
  @ApiTooManyRequestsResponse({ description: 'your searches by contact in this window reached the limit' })
  search(@Query() query: SearchCustomersQuery, @CurrentCaller() caller: Caller): Promise<Page<CustomerView>> {
    return this.rpc.request(CustomerRpc.search, { caller, ...query });
  }

  /**
   * Registers a customer (I5): contacts normalised; one another customer holds is a 409, naming that customer
   * only to a caller who may see it (X1).
   */
  @Post()
  @HttpCode(201)
  @Roles('admin', 'supervisor', 'agent')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retry answers with the same customer',
  })
  @ApiCreatedResponse({ type: CustomerViewDoc, description: 'masked; ETag header' })
  @ApiConflictResponse({ description: 'a contact or external id belongs to another customer' })
  @IdempotentReplay()
  @ReplyBody(theCustomer)
  @VersionETag()
  create(
    @Body() customer: CreateCustomerDto,
    @CurrentCaller() caller: Caller,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<CustomerWriteReply> {
    return this.rpc.request(CustomerWriteRpc.create, { caller, idempotencyKey, customer });
  }

  /** The customer (a merged id answers with its survivor); `unmask=true&reason=...` for permitted roles. */
  @Get(':id')
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOkResponse({ type: CustomerViewDoc, description: 'ETag header: send it as If-Match to PATCH' })
  @ApiForbiddenResponse({ description: 'unmask asked by a role that may not see contacts' })
  @ApiNotFoundResponse({ description: 'no such customer, or not one of your stores' })
  @ApiGoneResponse({ description: 'the customer was erased' })
  @VersionETag()
  get(
    @Param('id') id: string,
    @Query() { unmask, reason }: GetCustomerQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<CustomerView> {
    return this.rpc.request(CustomerRpc.get, { caller, id, unmask: unmask === 'true', reason });
  }

  /** Changes fields, contacts, external ids or consents; audited. */
  @Patch(':id')
  @Roles('admin', 'supervisor', 'agent')
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version being changed' })
  @ApiOkResponse({ type: CustomerViewDoc, description: 'masked; the new ETag header' })
  @ApiResponse({ status: 412, description: 'If-Match is stale: GET again and redo the change' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  @ApiConflictResponse({ description: 'an added contact or external id belongs to another customer' })
  @ReplyBody(theCustomer)
  @VersionETag()
  update(
    @Param('id') id: string,
    @Body() changes: UpdateCustomerDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<CustomerWriteReply> {
    return this.rpc.request(CustomerWriteRpc.update, { caller, id, ifMatch, changes });
  }

  /** Possible duplicates of this customer and why (same name and store, ID number, external id). */
  @Get(':id/duplicates')
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOkResponse({ type: [DuplicateCandidateDoc] })
  duplicates(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<DuplicateCandidateView[]> {
    return this.rpc.request(CustomerWriteRpc.duplicates, { caller, id });
  }

  /** Merges `duplicateId` into this customer (supervisors): the duplicate's id resolves here afterwards. */
  @Post(':id/merge')
  @HttpCode(200)
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: MergedDoc })
  @ApiConflictResponse({ description: 'one of them was merged already, or both are the same' })
  merge(
    @Param('id') id: string,
    @Body() body: MergeCustomerDto,
    @CurrentCaller() caller: Caller,
  ): Promise<MergedView> {
    return this.rpc.request(CustomerWriteRpc.merge, { caller, id, merge: body });
  }

  /** Erasure on request: contacts, external ids and name are removed; `customer.erased.v1` follows. */
  @Delete(':id')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: CustomerErasedDoc })
  @ApiGoneResponse({ description: 'already erased' })
  erase(
    @Param('id') id: string,
    @Query() { reason }: EraseCustomerQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<CustomerErasedView> {
    return this.rpc.request(CustomerRpc.erase, { caller, id, reason });
  }
}

/** A write's answer is the customer it stored (masked); `replayed` went to a header (IdempotentReplay). */
function theCustomer({ customer }: Pick<CustomerWriteReply, 'customer'>): CustomerView {
  return customer;
}
