import type { ClassConstructor } from 'class-transformer';
import { IsIn, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Matches } from 'class-validator';

export type EventType = `${string}.${string}.v${number}`;

/** A published event: its type (the subject suffix, never changed once published) and its payload class. */
export interface EventDefinition<T extends object> {
  readonly type: EventType;
  readonly payload: ClassConstructor<T>;
  /** One line for AsyncAPI and partners. */
  readonly summary: string;
}

export function defineEvent<T extends object>(
  type: EventType,
  payload: ClassConstructor<T>,
  summary: string,
): EventDefinition<T> {
  return { type, payload, summary };
}

/**
 * The message body on the stream: a CloudEvents 1.0 JSON envelope, so partners can read every event
 * without knowing our headers. `id` is also the JetStream `Nats-Msg-Id`.
 */
export interface EventEnvelope<T = unknown> {
  specversion: '1.0';
  id: string;
  type: EventType;
  source: string;
  time: string;
  datacontenttype: 'application/json';
  correlationid?: string;
  data: T;
}

export class EventEnvelopeShape {
  @IsIn(['1.0'])
  specversion!: '1.0';

  @IsUUID()
  id!: string;

  @Matches(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.v\d+$/)
  type!: EventType;

  @IsString()
  source!: string;

  @IsISO8601({ strict: true })
  time!: string;

  @IsIn(['application/json'])
  datacontenttype!: 'application/json';

  @IsOptional()
  @IsString()
  correlationid?: string;

  @IsObject()
  data!: Record<string, unknown>;
}

/** The NATS subject of an event type under a deployment's prefix: `<prefix>.events.<type>`. */
export function eventSubject(prefix: string, type: EventType | '>'): string {
  return `${prefix}.events.${type}`;
}
