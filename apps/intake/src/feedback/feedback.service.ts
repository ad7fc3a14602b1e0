import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GroupedUnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { isUniqueViolation } from '@closeloop/persistence';
import {
  DomainError,
  FeedbackEvents,
  hasRole,
  type SubmitFeedbackReply,
  type SubmitFeedbackRequest,
} from '@closeloop/contracts';
import { classify } from '../classification/classifier';
import { maySee } from '../customers/customer-access';
import {
  CONTACT_UNIQUE_INDEX,
  ContactRaceError,
  CustomerMatcherService,
} from '../customers/customer-matcher.service';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { businessDate, formatTicketNo } from '../ticket-numbers/ticket-number';
import { TicketNumberRepository } from '../ticket-numbers/ticket-number.repository';
import { FeedbackRepository, type EarlierFeedback } from './feedback.repository';

const MAX_ATTEMPTS = 3;
const log = createLogger('feedback');

@Injectable()
export class FeedbackService {
  constructor(
    private readonly unitOfWork: GroupedUnitOfWork,
    private readonly feedback: FeedbackRepository,
    private readonly customers: CustomerMatcherService,
    private readonly settings: IntakeSettingsRepository,
    private readonly allocator: TicketNumberRepository,
  ) {}

  /**
   * Records a feedback: matches the customer (I5), classifies it (I4), gives it a ticket number (I3) and
   * stores it with its `feedback.received.v1` event in one transaction. A repeated request (I6) gets the
   * first answer and changes nothing. Concurrent submissions share their transaction (group commit): the
   * answer is sent only after that transaction committed.
   */
  async submit(request: SubmitFeedbackRequest): Promise<SubmitFeedbackReply> {
    if (!hasRole(request.caller, 'admin', 'supervisor', 'agent')) throw new DomainError('FORBIDDEN');
    const input = request.feedback;
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');

    const earlier = await this.feedback.findEarlier(
      request.idempotencyKey,
      input.channel,
      input.channelMessageId,
    );
    if (earlier) return this.replay(earlier, request, requestHash);

    const identity = this.customers.identify(input.customer);
    const classification = classify(input, await this.settings.get('classification'));
    const numbering = await this.settings.get('ticketNumber');
    const recordedAt = new Date();
    const receivedAt = checkReceivedAt(input.receivedAt, recordedAt, await this.settings.get('recording'));
    // I3: the number carries the day the ticket was recorded, even for a feedback received earlier.
    const date = businessDate(recordedAt, numbering.timeZone);
    // The number is drawn while the transaction begins and looks the customer up (one round trip less to
    // wait for); the work takes it once it needs it. A failed draw fails this submission alone.
    const drawn = this.allocator.next(date).then((n) => formatTicketNo(date, n, numbering.minDigits));
    drawn.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"

    for (let attempt = 1; ; attempt++) {
      try {
        const created = await this.unitOfWork.run(
          async (tx) => {
            const ticketNo = await drawn;
            const customer = await this.customers.matchOrCreate(tx, identity);
            const customerId = customer?.id ?? null;
            const id = randomUUID();
            const reply = {
              id,
              ticketNo,
              customerId,
              type: input.type,
              ...pick(classification, 'category', 'level'),
            };
            this.feedback.insertAtCommit(tx, {
              id,
              ticketNo,
              businessDate: date,
              channel: input.channel,
              channelMessageId: input.channelMessageId ?? null,
              idempotencyKey: request.idempotencyKey ?? null,
              requestHash,
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
            });
            await tx.publish(
              FeedbackEvents.received,
              {
                feedbackId: id,
                ticketNo,
                customerId,
                channel: input.channel,
                type: input.type,
                category: classification.category,
                level: classification.level,
                emotion: input.emotion,
                receivedAt: receivedAt.toISOString(),
                expectedBy: input.expectedBy ? new Date(input.expectedBy).toISOString() : undefined,
                storeId: input.storeId,
                segment: customer?.segment ?? undefined,
                // The event's id is the feedback's: the reconciliation publishes it again under the same id.
              },
              { id },
            );
            return { ...reply, replayed: false };
          },
          // I5: one contact lookup for every submission of the commit group.
          { step: this.customers.lookup, input: identity },
        );
        log.info(
          {
            feedbackId: created.id,
            ticketNo: created.ticketNo,
            level: created.level,
            channel: input.channel,
          },
          'feedback recorded',
        );
        return created;
      } catch (error) {
        // I5: a concurrent request registered the same new contact first: the next attempt joins it.
        const raced = error instanceof ContactRaceError || isUniqueViolation(error, CONTACT_UNIQUE_INDEX);
        if (raced && attempt < MAX_ATTEMPTS) continue;
        if (isUniqueViolation(error, 'feedback_idempotency_key_uq', 'feedback_channel_message_uq')) {
          // A concurrent identical request won: answer with its result (the number we drew stays unused).
          const winner = await this.feedback.findEarlier(
            request.idempotencyKey,
            input.channel,
            input.channelMessageId,
          );
          if (winner) return this.replay(winner, request, requestHash);
        }
        throw error;
      }
    }
  }

  /**
   * I6: the first answer again. X1: only its author, or a caller who may see its customer (store scope), gets
   * it; anyone else learns only that the message was recorded already (409, no id, ticket number or customer).
   */
  private replay(
    earlier: EarlierFeedback,
    request: SubmitFeedbackRequest,
    requestHash: string,
  ): SubmitFeedbackReply {
    const { idempotencyKey, caller } = request;
    if (idempotencyKey && earlier.idempotencyKey === idempotencyKey && earlier.requestHash !== requestHash) {
      throw new DomainError('IDEMPOTENCY.KEY_REUSED');
    }
    if (earlier.createdBy !== caller.userId && !maySee(caller, { storeId: earlier.customerStoreId })) {
      throw new DomainError(
        'FEEDBACK.ALREADY_RECORDED',
        'another user already recorded this channel message or Idempotency-Key',
      );
    }
    return { ...earlier.reply, replayed: true };
  }
}

/** When the customer contacted us: now, or a stated earlier moment within the recording limits. */
export function checkReceivedAt(
  stated: string | undefined,
  now: Date,
  limits: { maxBackdateHours: number; maxClockSkewSeconds: number },
): Date {
  if (stated === undefined) return now;
  const at = new Date(stated);
  const fail = (message: string) =>
    new DomainError('VALIDATION_FAILED', message, [{ field: 'receivedAt', message }]);
  if (at.getTime() > now.getTime() + limits.maxClockSkewSeconds * 1000) {
    throw fail('receivedAt must not be in the future');
  }
  if (at.getTime() < now.getTime() - limits.maxBackdateHours * 3_600_000) {
    throw fail(`receivedAt must be at most ${limits.maxBackdateHours} hours ago`);
  }
  return at;
}

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}

/** JSON with sorted keys, so the same request always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
