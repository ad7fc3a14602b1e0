import { quoteIdent } from './data-source';

/**
 * DDL for the messaging tables every service keeps in its own schema: the outbox (events waiting to be
 * published), the inbox (ids of events already handled, per consumer) and dead letters. A service's first
 * migration runs these; they are infrastructure, not domain tables, so they have no TypeORM entity.
 */
export function messagingTablesUp(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.outbox (
      id uuid PRIMARY KEY,
      seq bigserial NOT NULL,
      event_type text NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      stream_seq bigint,
      attempts integer NOT NULL DEFAULT 0,
      last_error text
    )`,
    `CREATE INDEX outbox_pending_idx ON ${s}.outbox (seq) WHERE sent_at IS NULL`,
    `CREATE INDEX outbox_sent_idx ON ${s}.outbox (sent_at) WHERE sent_at IS NOT NULL`,
    `CREATE TABLE ${s}.inbox (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
    `CREATE INDEX inbox_processed_idx ON ${s}.inbox (processed_at)`,
    `CREATE TABLE ${s}.dead_letters (
      id uuid PRIMARY KEY,
      consumer text NOT NULL,
      event_id uuid,
      event_type text NOT NULL,
      body jsonb,
      raw text,
      error text NOT NULL,
      deliveries integer NOT NULL,
      stream_seq bigint,
      failed_at timestamptz NOT NULL DEFAULT now(),
      replayed_at timestamptz,
      CONSTRAINT dead_letters_event_uq UNIQUE (consumer, event_id)
    )`,
    `CREATE INDEX dead_letters_pending_idx ON ${s}.dead_letters (consumer, failed_at) WHERE replayed_at IS NULL`,
  ];
}

export function messagingTablesDown(schema: string): string[] {
  const s = quoteIdent(schema);
  return [`DROP TABLE ${s}.dead_letters`, `DROP TABLE ${s}.inbox`, `DROP TABLE ${s}.outbox`];
}

/**
 * DDL of the claims of scheduled jobs (@closeloop/scheduling, decision 0022), one shape in every service's
 * schema: one row per job, the due time of its next run, the lease of the replica running it with a fencing
 * token (`fence`, raised by every claim: a holder's heartbeat and finish name it, so a stalled holder's late
 * write is refused once another replica took over), and the last run's outcome. The error text is the
 * error's class, SQLSTATE and message: job code and Postgres put no values in messages.
 */
export function scheduledJobsTableUp(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.scheduled_jobs (
      name varchar(64) PRIMARY KEY,
      next_run_at timestamptz NOT NULL,
      fence bigint NOT NULL DEFAULT 0,
      holder varchar(128),
      lease_until timestamptz,
      last_started_at timestamptz,
      last_finished_at timestamptz,
      last_outcome varchar(16) CHECK (last_outcome IN ('succeeded', 'failed', 'abandoned')),
      last_error text,
      runs integer NOT NULL DEFAULT 0,
      failures integer NOT NULL DEFAULT 0
    )`,
  ];
}

export function scheduledJobsTableDown(schema: string): string[] {
  return [`DROP TABLE ${quoteIdent(schema)}.scheduled_jobs`];
}
