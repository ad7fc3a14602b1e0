import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVICE_ENV } from '@closeloop/runtime';
import { ScheduledJob } from '@closeloop/scheduling';
import { DomainError } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';

/**
 * Password guessing, limited in Postgres so every gateway replica shares the counts (gateway.login_limits):
 * - attempts per client IP per minute (LOGIN_RATE_LIMIT_PER_MINUTE) and per account per minute
 *   (LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE), fixed one-minute windows; a successful attempt is given back, so
 *   the limits bind guessing (and parallel floods, counted on arrival), not colleagues behind one NAT;
 * - failed logins: every LOGIN_MAX_FAILURES failures in a row lock the account, first for
 *   LOGIN_LOCKOUT_SECONDS, then twice as long each time, up to LOGIN_LOCKOUT_MAX_SECONDS; a success resets.
 * A refused attempt is a 429 whether or not the account exists (accounts are keyed by the e-mail typed, never
 * by a user id), and a locked account's password is not even checked, so a lock gives a guesser nothing.
 * The client IP is Fastify's `request.ip`: behind the ingress, TRUST_PROXY must name it.
 */
@Injectable()
export class LoginLimiterService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /** Counts this attempt for the IP and the account; refuses it (429) over a limit or while locked. */
  async admit(ip: string, email: string): Promise<void> {
    const ipKey = ipKeyOf(ip);
    const accountKey = accountKeyOf(email);
    const rows = await this.dataSource.query<{ key: string; attempts: number; locked: boolean }[]>(
      `INSERT INTO gateway.login_limits AS l (key, window_start, attempts)
       SELECT k, date_trunc('minute', now()), 1 FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN l.window_start = EXCLUDED.window_start THEN l.attempts + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING key, attempts, coalesce(locked_until > now(), false) AS locked`,
      [[ipKey, accountKey]],
    );
    const ipRow = rows.find((row) => row.key === ipKey);
    const accountRow = rows.find((row) => row.key === accountKey);
    if (
      (ipRow && ipRow.attempts > this.env.LOGIN_RATE_LIMIT_PER_MINUTE) ||
      (accountRow &&
        (accountRow.locked || accountRow.attempts > this.env.LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE))
    ) {
      throw new DomainError('RATE_LIMITED', 'too many login attempts: try again later');
    }
  }

  /** A wrong password (or unknown e-mail): one more failure in a row; every LOGIN_MAX_FAILURES-th locks. */
  async failed(email: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE gateway.login_limits AS l SET
         failures = f.failures,
         last_failure_at = now(),
         locked_until = CASE WHEN f.failures % $2::int = 0
           THEN now() + make_interval(secs => least($3::float8 * power(2, f.failures / $2::int - 1), $4::float8))
           ELSE l.locked_until END
       FROM (SELECT key, CASE WHEN last_failure_at > now() - make_interval(secs => $4::float8)
                              THEN failures + 1 ELSE 1 END AS failures
               FROM gateway.login_limits WHERE key = $1) AS f
       WHERE l.key = f.key`,
      [
        accountKeyOf(email),
        this.env.LOGIN_MAX_FAILURES,
        this.env.LOGIN_LOCKOUT_SECONDS,
        this.env.LOGIN_LOCKOUT_MAX_SECONDS,
      ],
    );
  }

  /**
   * A successful login gives its attempt back to the IP and the account (a call center's agents log in
   * through one NAT address at the start of a shift: only attempts that fail, or are still in flight, count)
   * and clears the account's failures. Rows nobody has needed for a day are pruned.
   */
  async succeeded(ip: string, email: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE gateway.login_limits SET
         attempts = CASE WHEN window_start = date_trunc('minute', now()) THEN greatest(attempts - 1, 0)
                         ELSE attempts END,
         failures = CASE WHEN key = $2 THEN 0 ELSE failures END,
         last_failure_at = CASE WHEN key = $2 THEN NULL ELSE last_failure_at END,
         locked_until = CASE WHEN key = $2 THEN NULL ELSE locked_until END
       WHERE key = ANY($1::text[])`,
      [[ipKeyOf(ip), accountKeyOf(email)], accountKeyOf(email)],
    );
  }

  /**
   * Forgets keys that no longer limit anything: their window is a day old, they are not locked, and their
   * last failure is older than the longest lock. A scheduled job (once across replicas), not a step of each
   * login: the login path stays two statements.
   */
  @ScheduledJob('login-limits-prune', {
    every: (env: GatewayEnv) => env.HOUSEKEEPING_INTERVAL_SECONDS * 1000,
  })
  async prune(): Promise<number> {
    const [, deleted] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM gateway.login_limits
        WHERE window_start < now() - interval '1 day'
          AND coalesce(locked_until, '-infinity') < now()
          AND coalesce(last_failure_at, '-infinity') < now() - make_interval(secs => $1::float8)`,
      [this.env.LOGIN_LOCKOUT_MAX_SECONDS],
    );
    return deleted;
  }
}

function ipKeyOf(ip: string): string {
  return `ip:${ip}`.slice(0, 80);
}

/** The account's key: a hash of the lowercased e-mail, so what was typed is never stored. */
function accountKeyOf(email: string): string {
  return `account:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
}
