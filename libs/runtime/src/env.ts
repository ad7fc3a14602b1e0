import 'reflect-metadata';
import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBase64,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { flattenValidationErrors } from '@closeloop/contracts';
import { DEV_CALLER_PUBLIC_KEY } from './dev-caller-keys';

/** `@Transform` for integer variables: an integer string becomes a number; anything else fails `@IsInt`. */
export const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * An integer variable of at least `min` (and at most `max`): `toInt`, `@IsInt`, `@Min`, `@Max` in one, so a
 * variable's bounds read on one line.
 */
export const IntVar = (min: number, max?: number): PropertyDecorator =>
  applyDecorators(Transform(toInt), IsInt(), Min(min), ...(max === undefined ? [] : [Max(max)]));

/** `@Transform` for list variables: comma-separated, entries trimmed, empty ones dropped. */
export const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    : value;

/**
 * Environment every service reads. Defaults are for local development only (README: configuration table);
 * a service refuses to start on a bad value and names the variable.
 */
export class CommonEnv {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/closeloop';

  /** One server or a comma-separated list of a cluster's servers. */
  @Matches(/^(nats|tls):\/\/[^,]+(,(nats|tls):\/\/[^,]+)*$/, {
    message: 'NATS_URL must be nats:// URLs, comma separated',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  /** NATS credentials: a .creds file (NKey + JWT, decentralised auth), or user and password. */
  @IsOptional()
  @IsString()
  NATS_CREDS_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  /**
   * Public keys (base64 DER SPKI, P-256) whose signed callers this service accepts on RPC requests: the
   * gateway's current key, and during a rotation its next or previous one (comma separated). Development
   * default refused in production.
   */
  @Transform(toList)
  @IsArray()
  @ArrayMinSize(1)
  @IsBase64(undefined, { each: true, message: 'each CALLER_PUBLIC_KEYS entry must be base64 (DER SPKI)' })
  CALLER_PUBLIC_KEYS: string[] = [DEV_CALLER_PUBLIC_KEY];

  /** Replicas of the events stream when a service has to create it (3 on a JetStream cluster). */
  @IntVar(1, 5)
  NATS_STREAM_REPLICAS = 1;

  /** Subject prefix and stream name root; lets several deployments or test runs share one NATS. */
  @Matches(/^[a-z][a-z0-9_-]{0,30}$/, { message: 'NATS_PREFIX must be lowercase letters, digits, _ or -' })
  NATS_PREFIX = 'closeloop';

  @IsOptional()
  @IsString()
  HTTP_HOST = '127.0.0.1';

  /**
   * Take the client IP (rate limits, logs) from X-Forwarded-For: `false`, `true` (any proxy), or the
   * proxies' addresses/CIDRs, comma separated (e.g. the ingress controller's pod range).
   */
  @IsString()
  TRUST_PROXY = 'false';

  @IsOptional()
  @IntVar(0, 65535)
  HTTP_PORT?: number;

  /** Prometheus `GET /metrics` on this port, apart from the service's HTTP port (0: not served). */
  @IntVar(0, 65535)
  METRICS_PORT = 0;

  @IntVar(1, 200)
  PG_POOL_SIZE = 10;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @IntVar(1)
  OUTBOX_RETENTION_SECONDS = 3600;

  /**
   * On start and after a NATS reconnect, events sent this recently are published again (same ids). Must be
   * shorter than the stream's duplicate window (checked at start: a service refuses to start otherwise).
   */
  @IntVar(1)
  OUTBOX_REPUBLISH_WINDOW_SECONDS = 300;

  /**
   * How often each replica looks whether housekeeping jobs are due (inbox and dead-letter pruning, event
   * reconciliation); each runs once across replicas. 0 turns them off in this replica (tests call them).
   */
  @IntVar(0, 86_400)
  HOUSEKEEPING_INTERVAL_SECONDS = 300;

  /**
   * Event reconciliation (issue 14): a state change whose event has no consequence this long after (a
   * feedback without its ticket, a resolved ticket whose ticket.resolved.v1 never reached the stream) has
   * its event published again with its original id; and again after as long, while it still has none.
   */
  @IntVar(1)
  EVENT_RECONCILE_DELAY_SECONDS = 900;

  /**
   * Handled events' ids are kept this long in each consumer's inbox, so a redelivery is recognised. Longer
   * than the stream keeps events (7 days): a consumer reset to the stream's start still skips what it did.
   */
  @IntVar(8)
  INBOX_RETENTION_DAYS = 14;

  /**
   * Dead letters are kept this long after their last failure, replayed or not: time for an operator to
   * notice (alerts), inspect and replay them (`npm run cli -- dead-letters`), and for an audit afterwards.
   */
  @IntVar(7)
  DEAD_LETTER_RETENTION_DAYS = 90;

  @IntVar(1, 100)
  EVENT_MAX_DELIVERIES = 5;

  @IntVar(1, 256)
  EVENT_CONSUMER_CONCURRENCY = 16;

  /** Most events a consumer handles in one transaction (1: one per transaction). */
  @IntVar(1, 1000)
  EVENT_BATCH_SIZE = 32;

  /** Most concurrent submissions committed in one transaction where a service groups them (1: none). */
  @IntVar(1, 1000)
  GROUP_COMMIT_SIZE = 32;

  /** Group transactions at once where a service groups commits; each holds a connection. */
  @IntVar(1, 64)
  GROUP_COMMIT_IN_FLIGHT = 2;

  /** An event not acked this long after delivery (a crashed consumer) is delivered again. */
  @IntVar(1, 3600)
  EVENT_ACK_WAIT_SECONDS = 30;
}

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'EnvError';
  }
}

/** Reads and validates the environment into `cls`; unknown variables are ignored, bad ones throw EnvError. */
export function loadEnv<T extends object>(
  cls: ClassConstructor<T>,
  source: NodeJS.ProcessEnv = process.env,
): T {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = source[key];
    raw[key] = value === undefined || value === '' ? defaults[key] : value;
  }
  for (const key of Object.keys(source)) {
    if (!(key in raw) && Reflect.getMetadata('design:type', cls.prototype as object, key) !== undefined)
      raw[key] = source[key];
  }
  const env = plainToInstance(cls, raw);
  const errors = validateSync(env, { whitelist: true });
  if (errors.length > 0) {
    throw new EnvError(flattenValidationErrors(errors).map((e) => `${e.field}: ${e.message}`));
  }
  return env;
}
