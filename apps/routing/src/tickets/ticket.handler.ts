import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer, type EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { FeedbackEvents, RoutingRpc, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { TicketService } from './ticket.service';

/** NATS edges of tickets: the `feedback.received.v1` consumer and the ticket queries. */
@Injectable()
export class TicketHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly consumers: ConsumerRegistry,
    private readonly tickets: TicketService,
  ) {}

  onModuleInit(): void {
    const opened: EventHandler<FeedbackReceivedV1> = {
      event: FeedbackEvents.received,
      handle: (data, tx) => this.tickets.openFromFeedback(data, tx),
    };
    this.consumers.register('feedback', [opened]);
    this.rpc.handle(RoutingRpc.getTicket, (request) => this.tickets.get(request));
  }
}
