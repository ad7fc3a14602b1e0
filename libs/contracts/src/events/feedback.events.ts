import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import {
  CATEGORY_PATTERN,
  CHANNELS,
  EMOTIONS,
  FEEDBACK_TYPES,
  LEVELS,
  SEGMENTS,
  TICKET_NO_PATTERN,
  type Channel,
  type Emotion,
  type FeedbackType,
  type Level,
  type Segment,
} from '../domain';
import { defineEvent } from './event';

/**
 * feedback.received.v1 — intake accepted a feedback and gave it a ticket number (I2, I3, I4).
 * Ids only: no names, phones, e-mails or free text (X1), so partners and logs never hold contacts.
 */
export class FeedbackReceivedV1 {
  @IsUUID()
  feedbackId!: string;

  @Matches(TICKET_NO_PATTERN)
  ticketNo!: string;

  @IsOptional()
  @IsUUID()
  customerId!: string | null;

  @IsIn(CHANNELS)
  channel!: Channel;

  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(LEVELS)
  level!: Level;

  @IsOptional()
  @IsIn(EMOTIONS)
  emotion?: Emotion;

  @IsISO8601({ strict: true })
  receivedAt!: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  expectedBy?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  storeId?: string;

  /** G1: the customer's segment when the feedback arrived (SLA policies may match on it, R1). */
  @IsOptional()
  @IsIn(SEGMENTS)
  segment?: Segment;
}

export const FeedbackEvents = {
  received: defineEvent(
    'feedback.received.v1',
    FeedbackReceivedV1,
    'A feedback was recorded and given its ticket number.',
  ),
} as const;
