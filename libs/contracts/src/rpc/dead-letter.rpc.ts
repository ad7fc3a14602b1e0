import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { defineRpc, type ServiceName } from './rpc';

export class DeadLetterQuery {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsOptional()
  @IsString()
  consumer?: string;

  /** Replay only these; all pending dead letters of the consumer when absent. */
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  ids?: string[];

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export interface DeadLetterView {
  id: string;
  consumer: string;
  eventId: string | null;
  eventType: string;
  error: string;
  deliveries: number;
  failedAt: string;
  replayedAt: string | null;
}

export interface DeadLetterReplayResult {
  replayed: string[];
  failed: { id: string; error: string }[];
}

/** Every service that consumes events serves these two admin commands. */
export function deadLetterRpc(service: ServiceName) {
  return {
    list: defineRpc<DeadLetterQuery, DeadLetterView[]>(service, 'admin.dead-letters.list', DeadLetterQuery),
    replay: defineRpc<DeadLetterQuery, DeadLetterReplayResult>(
      service,
      'admin.dead-letters.replay',
      DeadLetterQuery,
    ),
  };
}
