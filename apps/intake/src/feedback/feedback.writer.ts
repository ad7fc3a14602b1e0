import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GroupedUnitOfWork, type Tx } from '@closeloop/messaging';
import { isUniqueViolation } from '@closeloop/persistence';
import {
  FeedbackEvents,
  type FeedbackReceivedV1,
  type Segment,
  type SubmitFeedbackReply,
  type SubmitFeedbackRequest,
} from '@closeloop/contracts';
import type { Classification } from '../classification/classifier';
import {
  CONTACT_UNIQUE_INDEX,
  ContactRaceError,
  CustomerMatcherService,
  type CustomerIdentity,
} from '../customers/customer-matcher.service';
import { formatTicketNo } from '../ticket-numbers/ticket-number';
import { TicketNumberRepository } from '../ticket-numbers/ticket-number.repository';
import type { FeedbackEntity } from './entities/feedback.entity';
import { FeedbackRepository } from './feedback.repository';

/** Times a submission is run when a concurrent first contact keeps winning the race (I5). */
const MAX_ATTEMPTS = 3;

/** A feedback the rules have accepted, ready to be recorded. */
export interface FeedbackDraft {
  request: SubmitFeedbackRequest;
  requestHash: string;
  /** I5: the customer's contacts, normalised and keyed. */
  identity: CustomerIdentity;
  /** I4. */
  classification: Classification;
  receivedAt: Date;
  /** I3: the business date the number carries, and its padding. */
  businessDate: string;
  minDigits: number;
}

/**
 * What became of a draft: recorded (the new feedback's answer), or refused because a concurrent identical
 * request (same Idempotency-Key or channel message, I6) committed first: the caller answers with that one.
 */
export type Recorded =
  { recorded: true; reply: SubmitFeedbackReply } | { recorded: false; conflict: unknown };

/**
 * Records a feedback with its `feedback.received.v1` in one transaction (outbox).
 *
 * Guarantees: the ticket number (I3) is drawn while the transaction begins and used by every attempt; the
 * customer is matched or created in the same transaction (I5), with one contact lookup for every
 * submission of the commit group; concurrent submissions share one transaction (group commit,
 * GroupedUnitOfWork: a failing one is re-run alone, so it fails only its own caller); a first contact
 * registered by a concurrent submission makes the submission run again, joining that customer (up to
 * MAX_ATTEMPTS); it resolves only after the commit. The event's id is the feedback's, so a republished
 * event (reconciliation) is the same event.
 *
 * The caller must not assume a number was used: a failed or refused submission leaves a gap (decision
 * 0003). A commit whose outcome cannot be read back rejects with CommitOutcomeUnknownError and is never
 * run again.
 */
@Injectable()
export class FeedbackWriter {
  constructor(
    private readonly unitOfWork: GroupedUnitOfWork,
    private readonly feedback: FeedbackRepository,
    private readonly customers: CustomerMatcherService,
    private readonly allocator: TicketNumberRepository,
  ) {}

  async record(draft: FeedbackDraft): Promise<Recorded> {
    const { businessDate, minDigits } = draft;
    const drawn = this.allocator.next(businessDate).then((n) => formatTicketNo(businessDate, n, minDigits));
    drawn.catch(() => undefined); // awaited in the transaction; this only keeps an early failure "handled"
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.unitOfWork.run(
          async (tx) => {
            const ticketNo = await drawn;
            const customer = await this.customers.matchOrCreate(tx, draft.identity);
            return this.insert(tx, draft, ticketNo, customer);
          },
          // I5: one contact lookup for every submission of the commit group.
          { step: this.customers.lookup, input: draft.identity },
        );
        return { recorded: true, reply };
      } catch (error) {
        // I5: a concurrent request registered the same new contact first: the next attempt joins it.
        const raced = error instanceof ContactRaceError || isUniqueViolation(error, CONTACT_UNIQUE_INDEX);
        if (raced && attempt < MAX_ATTEMPTS) continue;
        if (isUniqueViolation(error, 'feedback_idempotency_key_uq', 'feedback_channel_message_uq')) {
          return { recorded: false, conflict: error };
        }
        throw error;
      }
    }
  }

  /** The feedback row (written at the commit) and its event, in the transaction. */
  private async insert(
    tx: Tx,
    draft: FeedbackDraft,
    ticketNo: string,
    customer: { id: string; segment: Segment | null } | null,
  ): Promise<SubmitFeedbackReply> {
    const { request, classification, receivedAt } = draft;
    const input = request.feedback;
    const customerId = customer?.id ?? null;
    const id = randomUUID();
    const reply = {
      id,
      ticketNo,
      customerId,
      type: input.type,
      category: classification.category,
      level: classification.level,
    };
    const row = {
      id,
      ticketNo,
      businessDate: draft.businessDate,
      channel: input.channel,
      channelMessageId: input.channelMessageId ?? null,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash: draft.requestHash,
      customerId,
      type: input.type,
      category: classification.category,
      level: classification.level,
      emotion: input.emotion ?? null,
      description: input.description,
      customerRequest: input.request ?? null,
      expectedBy: input.expectedBy ? new Date(input.expectedBy) : null,
      storeId: input.storeId ?? null,
      receivedAt,
      classifiedBy: classification.classifiedBy,
      createdBy: request.caller.userId,
      reply,
    };
    this.feedback.insertAtCommit(tx, row);
    await tx.publish(
      FeedbackEvents.received,
      feedbackReceived({ ...row, segment: customer?.segment ?? null }),
      {
        id,
      },
    );
    return { ...reply, replayed: false };
  }
}

/** A stored feedback's fields that `feedback.received.v1` carries, and its customer's segment (G1). */
export type ReceivedFields = Pick<
  FeedbackEntity,
  | 'id'
  | 'ticketNo'
  | 'customerId'
  | 'channel'
  | 'type'
  | 'category'
  | 'level'
  | 'emotion'
  | 'receivedAt'
  | 'expectedBy'
  | 'storeId'
> & { segment: Segment | null };

/**
 * `feedback.received.v1` of a feedback: the one mapping for the event published when it is recorded and the
 * one reconciliation publishes again from the stored row (same id, so the same event).
 */
export function feedbackReceived(f: ReceivedFields): FeedbackReceivedV1 {
  return {
    feedbackId: f.id,
    ticketNo: f.ticketNo,
    customerId: f.customerId,
    channel: f.channel,
    type: f.type,
    category: f.category,
    level: f.level,
    emotion: f.emotion ?? undefined,
    receivedAt: f.receivedAt.toISOString(),
    expectedBy: f.expectedBy?.toISOString(),
    storeId: f.storeId ?? undefined,
    segment: f.segment ?? undefined,
  };
}
