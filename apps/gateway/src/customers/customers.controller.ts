import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
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
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import {
  CreateCustomerDto,
  CustomerRpc,
  CustomerWriteRpc,
  DomainError,
  EraseCustomerQuery,
  GetCustomerQuery,
  IDEMPOTENCY_KEY_PATTERN,
  MergeCustomerDto,
  SearchCustomersQuery,
  UpdateCustomerDto,
  versionEtag,
  type Caller,
  type CustomerErasedView,
  type CustomerView,
  type DuplicateCandidateView,
  type MergedView,
  type Page,
} from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';
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
  async create(
    @Body() body: CreateCustomerDto,
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new DomainError('VALIDATION_FAILED', undefined, [
        { field: 'Idempotency-Key', message: 'must be 8-128 characters of letters, digits, . _ : -' },
      ]);
    }
    const { customer, replayed } = await this.rpc.request(CustomerWriteRpc.create, {
      caller,
      idempotencyKey,
      customer: body,
    });
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return withEtag(reply, customer);
  }

  /** The customer (a merged id answers with its survivor); `unmask=true&reason=...` for permitted roles. */
  @Get(':id')
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOkResponse({ type: CustomerViewDoc, description: 'ETag header: send it as If-Match to PATCH' })
  @ApiForbiddenResponse({ description: 'unmask asked by a role that may not see contacts' })
  @ApiNotFoundResponse({ description: 'no such customer, or not one of your stores' })
  @ApiGoneResponse({ description: 'the customer was erased' })
  async get(
    @Param('id') id: string,
    @Query() query: GetCustomerQuery,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    const customer = await this.rpc.request(CustomerRpc.get, {
      caller,
      id,
      unmask: query.unmask === 'true',
      reason: query.reason,
    });
    return withEtag(reply, customer);
  }

  /** Changes fields, contacts, external ids or consents; audited. */
  @Patch(':id')
  @Roles('admin', 'supervisor', 'agent')
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version being changed' })
  @ApiOkResponse({ type: CustomerViewDoc, description: 'masked; the new ETag header' })
  @ApiResponse({ status: 412, description: 'If-Match is stale: GET again and redo the change' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  @ApiConflictResponse({ description: 'an added contact or external id belongs to another customer' })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateCustomerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    const { customer } = await this.rpc.request(CustomerWriteRpc.update, {
      caller,
      id,
      ...(ifMatch === undefined ? {} : { ifMatch }),
      changes: body,
    });
    return withEtag(reply, customer);
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
    @Query() query: EraseCustomerQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<CustomerErasedView> {
    return this.rpc.request(CustomerRpc.erase, { caller, id, reason: query.reason });
  }
}

function withEtag(reply: FastifyReply, customer: CustomerView): CustomerView {
  void reply.header('ETag', versionEtag(customer.version));
  return customer;
}
