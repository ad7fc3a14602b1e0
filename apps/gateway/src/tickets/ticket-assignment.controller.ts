import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import {
  CompleteCollaborationDto,
  ReassignTicketDto,
  RequestCollaborationDto,
  RoutingAssignmentRpc,
  WorkloadQuery,
  type Caller,
  type CollaborationView,
  type TicketAssignmentView,
  type WorkloadView,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { IdempotentReplay, Location, VersionETag } from '../http/reply.decorators';
import { IdempotencyKey, IfMatch, UuidOrNotFound } from '../http/request.decorators';
import { CollaborationViewDoc, TicketAssignmentViewDoc, WorkloadDoc } from './ticket-assignment.views';

/**
 * R3: moving a ticket between departments and agents (reassign), and pulling in collaborating departments
 * with their own task, owner and deadline. Routing authorizes each ticket against the caller.
 */
@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketAssignmentController {
  constructor(private readonly rpc: RpcClient) {}

  @Post(':ticketNo/reassign')
  @HttpCode(200)
  @Roles('admin', 'supervisor')
  @ApiOperation({
    summary: 'to a department and optionally an agent there (else its strategy or queue), with a reason',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of GET /tickets/{ticketNo}' })
  @ApiOkResponse({
    type: TicketAssignmentViewDoc,
    description: 'where the ticket is now; its new version in ETag',
  })
  @ApiNotFoundResponse({ description: 'no such ticket, or not one of your departments' })
  @ApiConflictResponse({
    description: 'ASSIGNMENT.AGENT_AT_CAPACITY, or TICKET.INVALID_TRANSITION (settled)',
  })
  @ApiResponse({ status: 412, description: 'If-Match is stale: GET the ticket again' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  @VersionETag()
  reassign(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ReassignTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketAssignmentView> {
    return this.rpc.request(RoutingAssignmentRpc.reassign, { caller, ticketNo, ifMatch, input });
  }

  @Get(':ticketNo/collaborations')
  @Roles('admin', 'supervisor', 'agent', 'analyst')
  @ApiOperation({ summary: "the ticket's collaborating departments and their tasks" })
  @ApiOkResponse({ type: [CollaborationViewDoc] })
  @ApiNotFoundResponse()
  list(@Param('ticketNo') ticketNo: string, @CurrentCaller() caller: Caller): Promise<CollaborationView[]> {
    return this.rpc.request(RoutingAssignmentRpc.listCollaborations, { caller, ticketNo });
  }

  @Post(':ticketNo/collaborations')
  @HttpCode(201)
  @Roles('admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'R3: pull in a collaborating department with its own task, owner and deadline' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retry with the same key answers the first',
  })
  @ApiCreatedResponse({ type: CollaborationViewDoc })
  @ApiNotFoundResponse()
  @IdempotentReplay()
  @Location(
    (view: CollaborationView, { ticketNo }) => `/api/v1/tickets/${ticketNo}/collaborations/${view.id}`,
  )
  request(
    @Param('ticketNo') ticketNo: string,
    @Body() input: RequestCollaborationDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<CollaborationView & { replayed: boolean }> {
    return this.rpc.request(RoutingAssignmentRpc.requestCollaboration, {
      caller,
      ticketNo,
      idempotencyKey,
      input,
    });
  }

  @Post(':ticketNo/collaborations/:id/complete')
  @HttpCode(200)
  @Roles('admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'the collaborating department finished its task' })
  @ApiOkResponse({ type: CollaborationViewDoc })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'COLLABORATION.ALREADY_DONE' })
  complete(
    @Param('ticketNo') ticketNo: string,
    @Param('id', new UuidOrNotFound('COLLABORATION.NOT_FOUND', 'collaboration')) collaborationId: string,
    @Body() input: CompleteCollaborationDto,
    @CurrentCaller() caller: Caller,
  ): Promise<CollaborationView> {
    return this.rpc.request(RoutingAssignmentRpc.completeCollaboration, {
      caller,
      ticketNo,
      collaborationId,
      input,
    });
  }
}

/** R3, C9: the floor as a supervisor watches it: queues and each agent's load against capacity. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('workload')
export class WorkloadController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Roles('admin', 'supervisor', 'analyst')
  @ApiOperation({
    summary: "queues and agents' load by department: yours (supervisors) or every one (admins, analysts)",
  })
  @ApiOkResponse({ type: WorkloadDoc })
  get(@Query() query: WorkloadQuery, @CurrentCaller() caller: Caller): Promise<WorkloadView> {
    return this.rpc.request(RoutingAssignmentRpc.workload, { caller, ...query });
  }
}
