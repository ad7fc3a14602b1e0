import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer, type EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { FeedbackEvents, RoutingRpc, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { ConfirmationService } from './confirmation.service';
import { TicketLifecycleService } from './ticket-lifecycle.service';
import { TicketService } from './ticket.service';

/** NATS edges of tickets: the `feedback.received.v1` consumer, ticket queries and commands. */
@Injectable()
export class TicketHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly consumers: ConsumerRegistry,
    private readonly tickets: TicketService,
    private readonly lifecycle: TicketLifecycleService,
    private readonly confirmation: ConfirmationService,
  ) {}

  onModuleInit(): void {
    const opened: EventHandler<FeedbackReceivedV1> = {
      event: FeedbackEvents.received,
      handle: (data, tx) => this.tickets.openFromFeedback([{ feedback: data }], tx),
      // One insert for the tickets of a consumer batch.
      handleBatch: (events, tx) =>
        this.tickets.openFromFeedback(
          events.map(({ data, correlationId }) => ({ feedback: data, correlationId })),
          tx,
        ),
    };
    this.consumers.register('feedback', [opened]);
    this.rpc.handle(RoutingRpc.getTicket, (request) => this.tickets.get(request));
    this.rpc.handle(RoutingRpc.listTickets, (request) => this.tickets.list(request));
    this.rpc.handle(RoutingRpc.respond, (command) => this.lifecycle.respond(command));
    this.rpc.handle(RoutingRpc.plan, (command) => this.lifecycle.plan(command));
    this.rpc.handle(RoutingRpc.progress, (command) => this.lifecycle.progress(command));
    this.rpc.handle(RoutingRpc.resolve, (command) => this.lifecycle.resolve(command));
    this.rpc.handle(RoutingRpc.confirm, (command) => this.lifecycle.confirm(command));
    this.rpc.handle(RoutingRpc.object, (command) => this.lifecycle.object(command));
    this.rpc.handle(RoutingRpc.close, (command) => this.lifecycle.close(command));
    this.rpc.handle(RoutingRpc.pause, (command) => this.lifecycle.pause(command));
    this.rpc.handle(RoutingRpc.resume, (command) => this.lifecycle.resume(command));
    this.rpc.handle(RoutingRpc.archive, (command) => this.lifecycle.archive(command));
    this.rpc.handle(RoutingRpc.amounts, (command) => this.lifecycle.amounts(command));
    this.rpc.handle(RoutingRpc.reclassify, (command) => this.lifecycle.reclassify(command));
    this.rpc.handle(RoutingRpc.confirmationLink, (request) => this.confirmation.link(request));
    this.rpc.handle(RoutingRpc.customerLink, (request) => this.confirmation.view(request));
    this.rpc.handle(RoutingRpc.customerAnswer, (request) => this.confirmation.answer(request));
  }
}
