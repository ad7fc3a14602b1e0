import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import { RoutingRpc, type Caller, type TicketView } from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { TicketViewDoc } from './ticket.views';

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketsController {
  constructor(private readonly rpc: RpcClient) {}

  /** R2: the ticket with its level, status, due times and history. */
  @Get(':ticketNo')
  @ApiOkResponse({ type: TicketViewDoc })
  get(@Param('ticketNo') ticketNo: string, @CurrentCaller() caller: Caller): Promise<TicketView> {
    return this.rpc.request(RoutingRpc.getTicket, { caller, ticketNo });
  }
}
