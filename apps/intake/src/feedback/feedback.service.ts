import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  hasRole,
  type SubmitFeedbackReply,
  type SubmitFeedbackRequest,
} from '@closeloop/contracts';
import { classify } from '../classification/classifier';
import { maySee } from '../customers/customer-access';
import { CustomerMatcherService } from '../customers/customer-matcher.service';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { businessDate } from '../ticket-numbers/ticket-number';
import { FeedbackRepository, type EarlierFeedback } from './feedback.repository';
import { FeedbackWriter } from './feedback.writer';

const log = createLogger('feedback');

@Injectable()
export class FeedbackService {
  constructor(
    private readonly feedback: FeedbackRepository,
    private readonly customers: CustomerMatcherService,
    private readonly settings: IntakeSettingsRepository,
    private readonly writer: FeedbackWriter,
  ) {}

  /**
   * Records a feedback: matches the customer (I5), classifies it (I4), gives it a ticket number (I3) and
   * stores it with its `feedback.received.v1` event in one transaction. A repeated request (I6) gets the
   * first answer and changes nothing. The answer is sent only after the commit (FeedbackWriter states how
   * concurrent submissions share it).
   */
  async submit(request: SubmitFeedbackRequest): Promise<SubmitFeedbackReply> {
    if (!hasRole(request.caller, 'admin', 'supervisor', 'agent')) throw new DomainError('FORBIDDEN');
    const input = request.feedback;
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');
    // I6: a repeated request gets the first answer and changes nothing.
    const earlier = await this.findEarlier(request);
    if (earlier) return this.replay(earlier, request, requestHash);
    // I5: the contacts normalised and keyed (field errors for invalid ones) before anything is written.
    const identity = this.customers.identify(input.customer);
    // I2, I4: classified when recorded.
    const classification = classify(input, await this.settings.get('classification'));
    const numbering = await this.settings.get('ticketNumber');
    const recordedAt = new Date();
    // I1: now, or a stated earlier moment within the recording limits.
    const receivedAt = checkReceivedAt(input.receivedAt, recordedAt, await this.settings.get('recording'));
    // I3: the number carries the day the ticket was recorded, even for a feedback received earlier.
    const date = businessDate(recordedAt, numbering.timeZone);
    // I3, I5: numbered, matched to its customer (or a new one) and stored with its event; after the commit.
    const outcome = await this.writer.record({
      request,
      requestHash,
      identity,
      classification,
      receivedAt,
      businessDate: date,
      minDigits: numbering.minDigits,
    });
    if (outcome.recorded) {
      const { id: feedbackId, ticketNo, level } = outcome.reply;
      log.info({ feedbackId, ticketNo, level, channel: input.channel }, 'feedback recorded');
      return outcome.reply;
    }
    // I6: a concurrent identical request committed first: its answer (the number we drew stays unused).
    const winner = await this.findEarlier(request);
    if (!winner) throw outcome.conflict;
    return this.replay(winner, request, requestHash);
  }

  private findEarlier({ idempotencyKey, feedback }: SubmitFeedbackRequest): Promise<EarlierFeedback | null> {
    return this.feedback.findEarlier(idempotencyKey, feedback.channel, feedback.channelMessageId);
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
