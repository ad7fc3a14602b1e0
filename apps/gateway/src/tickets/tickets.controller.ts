import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  type Type,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import {
  ArchiveTicketDto,
  CloseTicketDto,
  ConfirmTicketDto,
  ListTicketsQuery,
  ObjectTicketDto,
  PauseTicketDto,
  PlanTicketDto,
  ProgressTicketDto,
  RespondTicketDto,
  ResolveTicketDto,
  ResumeTicketDto,
  RoutingRpc,
  ReclassifyTicketDto,
  TicketAmountsDto,
  type Caller,
  type Page,
  type Role,
  type TicketAction,
  type TicketSummaryView,
  type TicketView,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { VersionETag } from '../http/reply.decorators';
import { IfMatch } from '../http/request.decorators';
import { ConfirmationLinksService } from './confirmation-links.service';
import { ConfirmationLinkDoc, TicketPageDoc, TicketViewDoc } from './ticket.views';

const STAFF: Role[] = ['admin', 'supervisor', 'agent', 'analyst'];
const WORKERS: Role[] = ['admin', 'supervisor', 'agent'];

/** `POST /tickets/{ticketNo}/{action}`: a change to the ticket version named by If-Match. */
function TicketCommandRoute(action: TicketAction, body: Type, summary: string, roles: Role[] = WORKERS) {
  return applyDecorators(
    Post(`:ticketNo/${action}`),
    HttpCode(200),
    Roles(...roles),
    ApiOperation({ summary }),
    ApiBody({ type: body }),
    ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of GET /tickets/{ticketNo}' }),
    ApiOkResponse({ type: TicketViewDoc, description: 'the changed ticket; its new version in ETag' }),
    ApiNotFoundResponse({ description: 'no such ticket, or not one of your departments' }),
    ApiResponse({ status: 409, description: 'TICKET.INVALID_TRANSITION: not allowed in its status' }),
    ApiResponse({ status: 412, description: 'If-Match is stale: GET the ticket again' }),
    ApiResponse({ status: 428, description: 'If-Match is missing' }),
    VersionETag(),
  );
}

/**
 * Tickets (R2-R9): read, list, and the lifecycle commands. Routing authorizes each ticket against the
 * caller (departments, assignee); the roles here are the first, coarse gate.
 */
@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketsController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly links: ConfirmationLinksService,
  ) {}

  /** Lists and search: filters AND together; cursor pagination in a stable order. */
  @Get()
  @Roles(...STAFF)
  @ApiOperation({ summary: 'tickets you may see: yours, your departments, the undispatched pool' })
  @ApiOkResponse({ type: TicketPageDoc })
  list(@Query() query: ListTicketsQuery, @CurrentCaller() caller: Caller): Promise<Page<TicketSummaryView>> {
    return this.rpc.request(RoutingRpc.listTickets, { caller, ...query });
  }

  /** R2: the ticket with its level, status, due times, SLA outcomes and history; ETag for updates. */
  @Get(':ticketNo')
  @Roles(...STAFF)
  @ApiOkResponse({ type: TicketViewDoc })
  @ApiNotFoundResponse({ description: 'no such ticket, or not one of your departments' })
  @VersionETag()
  get(@Param('ticketNo') ticketNo: string, @CurrentCaller() caller: Caller): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.getTicket, { caller, ticketNo });
  }

  @TicketCommandRoute('respond', RespondTicketDto, 'R1: the first response reached the customer')
  respond(
    @Param('ticketNo') ticketNo: string,
    @Body() input: RespondTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.respond, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('plan', PlanTicketDto, 'R4: the solution plan: what, who, by when')
  plan(
    @Param('ticketNo') ticketNo: string,
    @Body() input: PlanTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.plan, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('progress', ProgressTicketDto, 'R5: the customer was updated; the next update is due')
  progress(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ProgressTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.progress, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('resolve', ResolveTicketDto, "R6: resolved; waits for the customer's answer")
  resolve(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ResolveTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.resolve, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('confirm', ConfirmTicketDto, "R6: record the customer's confirmation")
  confirm(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ConfirmTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.confirm, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('object', ObjectTicketDto, "R6: record the customer's objection; the ticket reopens")
  object(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ObjectTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.object, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('close', CloseTicketDto, 'R9: close without confirmation, with a stated reason')
  close(
    @Param('ticketNo') ticketNo: string,
    @Body() input: CloseTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.close, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('pause', PauseTicketDto, 'wait on the customer: the SLA clocks stop')
  pause(
    @Param('ticketNo') ticketNo: string,
    @Body() input: PauseTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.pause, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('resume', ResumeTicketDto, 'the customer answered: clocks run, due times moved')
  resume(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ResumeTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.resume, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('archive', ArchiveTicketDto, 'file a confirmed or closed ticket', [
    'admin',
    'supervisor',
  ])
  archive(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ArchiveTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.archive, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute('amounts', TicketAmountsDto, 'R8: money at stake (claimed, compensation) in fen')
  amounts(
    @Param('ticketNo') ticketNo: string,
    @Body() input: TicketAmountsDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.amounts, { caller, ticketNo, ifMatch, input });
  }

  @TicketCommandRoute(
    'reclassify',
    ReclassifyTicketDto,
    'I4: correct type, category or level; due times (R1) and department (R3) follow',
  )
  reclassify(
    @Param('ticketNo') ticketNo: string,
    @Body() input: ReclassifyTicketDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.reclassify, { caller, ticketNo, ifMatch, input });
  }

  /** R6: the customer's single-use confirmation link of a resolved ticket, to send or read out to them. */
  @Post(':ticketNo/confirmation-link')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: "the customer's confirmation link (/c/{token}) of a resolved ticket" })
  @ApiOkResponse({ type: ConfirmationLinkDoc })
  @ApiResponse({ status: 409, description: 'the ticket is not resolved' })
  async confirmationLink(
    @Param('ticketNo') ticketNo: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ url: string; path: string; expiresAt: string }> {
    return this.links.link(await this.rpc.request(RoutingRpc.confirmationLink, { caller, ticketNo }));
  }
}
