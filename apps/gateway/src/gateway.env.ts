import { Transform } from 'class-transformer';
import { IsArray, IsBase64, IsEmail, IsIn, IsString, Matches, MinLength } from 'class-validator';
import { CommonEnv, DEV_CALLER_SIGNING_KEY, IntVar, toList } from '@closeloop/runtime';

/** Development defaults only: documented in the README and refused when NODE_ENV=production. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-in-production';
export const DEV_ADMIN_PASSWORD = 'closeloop-dev-admin';
export const DEV_CONFIRM_LINK_SECRET = 'dev-only-confirm-link-secret-change-me';

export class GatewayEnv extends CommonEnv {
  @IntVar(0, 65535)
  override HTTP_PORT = 3000;

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET = DEV_JWT_SECRET;

  @IntVar(60)
  JWT_TTL_SECONDS = 3600;

  /**
   * The private key (base64 DER PKCS#8, P-256) the gateway signs each RPC request's caller with; the
   * services hold its public half in CALLER_PUBLIC_KEYS (issue 14.3). Development default refused in production.
   */
  @IsBase64(undefined, { message: 'CALLER_SIGNING_KEY must be base64 (DER PKCS#8)' })
  CALLER_SIGNING_KEY = DEV_CALLER_SIGNING_KEY;

  /** Lifetime of a signed caller; the gateway reuses one for the same caller for half of it. */
  @IntVar(10, 600)
  CALLER_TOKEN_TTL_SECONDS = 60;

  /** The first admin, created at start-up if no user has this e-mail. */
  @IsEmail()
  ADMIN_EMAIL = 'admin@closeloop.local';

  @IsString()
  @MinLength(12, { message: 'ADMIN_PASSWORD must be at least 12 characters' })
  ADMIN_PASSWORD = DEV_ADMIN_PASSWORD;

  @IntVar(1024)
  BODY_LIMIT_BYTES = 65_536;

  /** Largest import file (csv, xlsx) accepted by POST /api/v1/imports; streamed, never held whole. */
  @IntVar(1024)
  IMPORT_MAX_BYTES = 512 * 1024 * 1024;

  /** Requests per second per caller (user, or IP when anonymous). */
  @IntVar(1)
  RATE_LIMIT_PER_SECOND = 200;

  /**
   * How long a gateway replica reuses a user's roles, departments and stores read from the org directory:
   * the longest a moved or deactivated user keeps their old access (docs/decisions/0006).
   */
  @IntVar(0, 300)
  CALLER_CACHE_SECONDS = 30;

  /**
   * Token requests per minute per client IP, counted across replicas (Postgres): slows password guessing. A
   * successful login gives its attempt back (colleagues behind one NAT address).
   */
  @IntVar(1)
  LOGIN_RATE_LIMIT_PER_MINUTE = 20;

  /** Token requests per minute per account (e-mail), counted across replicas; a success gives its attempt back. */
  @IntVar(1)
  LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE = 10;

  /** Failed logins in a row that lock an account (every further this many lock it again, twice as long). */
  @IntVar(1, 100)
  LOGIN_MAX_FAILURES = 5;

  /** The first lock's length; each next one doubles, up to LOGIN_LOCKOUT_MAX_SECONDS. */
  @IntVar(1)
  LOGIN_LOCKOUT_SECONDS = 60;

  /** The longest lock; failures older than this without a new one are forgotten. */
  @IntVar(1)
  LOGIN_LOCKOUT_MAX_SECONDS = 3600;

  /** HMAC-SHA256 key of the customers' confirmation links (`/c/{token}`, R6). */
  @IsString()
  @MinLength(32, { message: 'CONFIRM_LINK_SECRET must be at least 32 characters' })
  CONFIRM_LINK_SECRET = DEV_CONFIRM_LINK_SECRET;

  /**
   * Earlier CONFIRM_LINK_SECRETs, comma-separated: links they signed still verify (until they expire), so
   * the secret can be rotated without breaking links customers already have. New links use the current one.
   */
  @Transform(toList)
  @IsArray()
  @IsString({ each: true })
  @MinLength(32, {
    each: true,
    message: 'each CONFIRM_LINK_PREVIOUS_SECRETS entry must be at least 32 characters',
  })
  CONFIRM_LINK_PREVIOUS_SECRETS: string[] = [];

  /**
   * The OpenAPI document and Swagger UI (`/api/docs`, `/api/docs-json`): `auto` serves them except with
   * NODE_ENV=production, `true` always, `false` never.
   */
  @IsIn(['auto', 'true', 'false'])
  API_DOCS = 'auto';

  /** Where customers reach the gateway: links sent to them start with this. */
  @Matches(/^https?:\/\/[^/\s]+(\/[^\s]*)?$/, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  PUBLIC_BASE_URL = 'http://127.0.0.1:3000';
}
