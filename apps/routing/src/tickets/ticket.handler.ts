import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { BatchEvent } from '@closeloop/messaging';
import { EventContext, EventPattern, MessagePattern, type RequestOf } from '@closeloop/runtime';
import {
  ConfirmationLinkRequest,
  CustomerAnswerRequest,
  CustomerLinkRequest,
  FeedbackEvents,
  GetTicketRequest,
  ListTicketsRequest,
  RoutingRpc,
  type ConfirmationLinkData,
  type CustomerLinkView,
  type FeedbackReceivedV1,
  type Page,
  type TicketSummaryView,
  type TicketView,
} from '@closeloop/contracts';
import { ConfirmationService } from './confirmation.service';
import { TicketLifecycleService } from './ticket-lifecycle.service';
import { TicketService } from './ticket.service';

/** NATS edges of tickets: the `feedback.received.v1` consumer, ticket queries and commands. */
@Controller()
export class TicketHandler {
  constructor(
    private readonly tickets: TicketService,
    private readonly lifecycle: TicketLifecycleService,
    private readonly confirmation: ConfirmationService,
  ) {}

  /** One insert for the tickets of a consumer batch, each ticket in its feedback's correlation context. */
  @EventPattern(FeedbackEvents.received, { consumer: 'feedback', batch: true })
  async feedbackReceived(
    @Payload() events: BatchEvent<FeedbackReceivedV1>[],
    @Ctx() { tx }: EventContext,
  ): Promise<void> {
    await this.tickets.openFromFeedback(
      events.map(({ data, correlationId }) => ({ feedback: data, correlationId })),
      tx,
    );
  }

  @MessagePattern(RoutingRpc.getTicket)
  get(@Payload() request: GetTicketRequest): Promise<TicketView> {
    return this.tickets.get(request);
  }

  @MessagePattern(RoutingRpc.listTickets)
  list(@Payload() request: ListTicketsRequest): Promise<Page<TicketSummaryView>> {
    return this.tickets.list(request);
  }

  @MessagePattern(RoutingRpc.respond)
  respond(@Payload() command: RequestOf<typeof RoutingRpc.respond>): Promise<TicketView> {
    return this.lifecycle.respond(command);
  }

  @MessagePattern(RoutingRpc.plan)
  plan(@Payload() command: RequestOf<typeof RoutingRpc.plan>): Promise<TicketView> {
    return this.lifecycle.plan(command);
  }

  @MessagePattern(RoutingRpc.progress)
  progress(@Payload() command: RequestOf<typeof RoutingRpc.progress>): Promise<TicketView> {
    return this.lifecycle.progress(command);
  }

  @MessagePattern(RoutingRpc.resolve)
  resolve(@Payload() command: RequestOf<typeof RoutingRpc.resolve>): Promise<TicketView> {
    return this.lifecycle.resolve(command);
  }

  @MessagePattern(RoutingRpc.confirm)
  confirm(@Payload() command: RequestOf<typeof RoutingRpc.confirm>): Promise<TicketView> {
    return this.lifecycle.confirm(command);
  }

  @MessagePattern(RoutingRpc.object)
  object(@Payload() command: RequestOf<typeof RoutingRpc.object>): Promise<TicketView> {
    return this.lifecycle.object(command);
  }

  @MessagePattern(RoutingRpc.close)
  close(@Payload() command: RequestOf<typeof RoutingRpc.close>): Promise<TicketView> {
    return this.lifecycle.close(command);
  }

  @MessagePattern(RoutingRpc.pause)
  pause(@Payload() command: RequestOf<typeof RoutingRpc.pause>): Promise<TicketView> {
    return this.lifecycle.pause(command);
  }

  @MessagePattern(RoutingRpc.resume)
  resume(@Payload() command: RequestOf<typeof RoutingRpc.resume>): Promise<TicketView> {
    return this.lifecycle.resume(command);
  }

  @MessagePattern(RoutingRpc.archive)
  archive(@Payload() command: RequestOf<typeof RoutingRpc.archive>): Promise<TicketView> {
    return this.lifecycle.archive(command);
  }

  @MessagePattern(RoutingRpc.amounts)
  amounts(@Payload() command: RequestOf<typeof RoutingRpc.amounts>): Promise<TicketView> {
    return this.lifecycle.amounts(command);
  }

  @MessagePattern(RoutingRpc.reclassify)
  reclassify(@Payload() command: RequestOf<typeof RoutingRpc.reclassify>): Promise<TicketView> {
    return this.lifecycle.reclassify(command);
  }

  @MessagePattern(RoutingRpc.confirmationLink)
  confirmationLink(@Payload() request: ConfirmationLinkRequest): Promise<ConfirmationLinkData> {
    return this.confirmation.link(request);
  }

  @MessagePattern(RoutingRpc.customerLink)
  customerLink(@Payload() request: CustomerLinkRequest): Promise<CustomerLinkView> {
    return this.confirmation.view(request);
  }

  @MessagePattern(RoutingRpc.customerAnswer)
  customerAnswer(@Payload() request: CustomerAnswerRequest): Promise<CustomerLinkView> {
    return this.confirmation.answer(request);
  }
}
