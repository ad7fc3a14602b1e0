import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CommonEnv, toInt } from '@closeloop/runtime';

/**
 * Development keys only: documented in the README, refused when NODE_ENV=production.
 * Generate real ones with `openssl rand -base64 32`.
 */
export const DEV_PII_KEYS = 'dev1:ZGV2LW9ubHktcGlpLWtleS1kby1ub3QtdXNlLXByb2Q=';
export const DEV_PII_HMAC_KEY = 'ZGV2LW9ubHktaG1hYy1rZXktZG8tbm90LXVzZS1pbi1wcm9k';

export class IntakeEnv extends CommonEnv {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  override HTTP_PORT = 3001;

  /** AES-256-GCM keys as `id:base64key` pairs, comma separated; new values use PII_ACTIVE_KEY (X1). */
  @Matches(/^[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+)*$/, {
    message: 'PII_KEYS must be id:base64key[,id:base64key...]',
  })
  PII_KEYS = DEV_PII_KEYS;

  @IsString()
  PII_ACTIVE_KEY = 'dev1';

  /**
   * intake's consumers (ticket events -> customer figures and segments) are bookkeeping: they share the pool
   * with feedback intake, which must not wait behind them during a burst (each handler holds a connection
   * for its transaction). One at a time per consumer keeps up with the ticket rate; raise it if they lag.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  override EVENT_CONSUMER_CONCURRENCY = 1;

  /** How often each replica looks for due scheduled jobs (nightly segment pass, retention purge). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  JOB_POLL_SECONDS = 30;

  /**
   * How often each replica looks for queued or abandoned imports (a committed upload also starts its import
   * at once on the replica that took it). 0: this replica never runs imports by itself (tests).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  IMPORT_POLL_SECONDS = 2;

  /**
   * Worker threads preparing import rows (normalise, encrypt, hash); unset: available cores - 1, at least 1;
   * 0: on the main thread (decision 0010).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(64)
  IMPORT_WORKERS?: number;

  /**
   * Transactions writing one import's batches at once (each on its own connection), so Postgres works on one
   * batch while the next is sent; 1: one batch after another (decision 0012).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8)
  IMPORT_WRITERS = 2;

  /**
   * Rows per import batch (one transaction, one audit row, one customer.imported.v1 of at most 10,000 ids):
   * large enough for set-based statements, small enough to keep locks short.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  IMPORT_BATCH_ROWS = 10_000;

  /** Key of the HMAC-SHA256 used to find contacts without decrypting them. */
  @Matches(/^[A-Za-z0-9+/=]{32,}$/, { message: 'PII_HMAC_KEY must be base64 of at least 24 bytes' })
  PII_HMAC_KEY = DEV_PII_HMAC_KEY;
}
