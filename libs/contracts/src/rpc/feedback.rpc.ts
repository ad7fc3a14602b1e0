import { Type } from 'class-transformer';
import { IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import type { FeedbackType, Level } from '../domain';
import { SubmitFeedbackDto } from '../http/feedback.dto';
import { defineRpc } from './rpc';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

export class SubmitFeedbackRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  /** I6: the client's Idempotency-Key header, if any. */
  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY_PATTERN)
  idempotencyKey?: string;

  @ValidateNested()
  @Type(() => SubmitFeedbackDto)
  feedback!: SubmitFeedbackDto;
}

export interface SubmitFeedbackReply {
  id: string;
  ticketNo: string;
  customerId: string | null;
  type: FeedbackType;
  category: string;
  level: Level;
  /** True when this answer is the stored first answer of an earlier identical request (I6). */
  replayed: boolean;
}

export const IntakeRpc = {
  submitFeedback: defineRpc<SubmitFeedbackRequest, SubmitFeedbackReply>(
    'intake',
    'feedback.submit',
    SubmitFeedbackRequest,
  ),
} as const;
