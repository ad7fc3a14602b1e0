import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import type { PoolClient, QueryResult } from 'pg';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { CORRELATION_HEADER, createLogger, errorFields } from '@closeloop/observability';
import { quoteIdent, sendTogether, type Statement } from '@closeloop/persistence';
import { eventSubject, type EventEnvelope } from '@closeloop/contracts';
import type { MessagingConfig } from './config';
import { ensureEventStream, natsManager } from './nats';

/**
 * A claimed row: the envelope as the text Postgres stores (published as is, never parsed and serialised
 * again here), with the two fields the subject and headers need.
 */
interface PendingRow {
  id: string;
  event_type: string;
  body: string;
  type: EventEnvelope['type'];
  correlation_id: string | null;
}

/**
 * Publishes outbox rows to JetStream. Safe with any number of replicas: each batch is claimed with
 * `FOR UPDATE SKIP LOCKED`, published with `Nats-Msg-Id` = event id, and marked sent only after the
 * publish ack. Sent rows are kept for `outboxRetentionMs`; after a reconnect the recent ones are published
 * again with the same ids, because this broker flushes to disk lazily and may have lost them in a crash
 * (duplicates are dropped by the stream's window and by every consumer's inbox).
 */
export class OutboxRelay {
  private readonly log = createLogger('outbox-relay');
  private readonly table: string;
  private readonly js: JetStreamClient;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private kicked = false;
  private lastCleanup = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nc: NatsConnection,
    schema: string,
    private readonly config: MessagingConfig,
  ) {
    this.table = `${quoteIdent(schema)}.outbox`;
    this.js = jetstream(nc, { timeout: 5_000 });
  }

  /**
   * Starts publishing. Recently sent rows are published again first, as after a reconnect: a service that
   * (re)starts while or after the broker lost them never sees a reconnect (issue 14).
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.republishRecent().then(
      (count) => {
        if (count > 0) this.log.info({ count }, 'started: re-publishing recently sent events');
        return this.run();
      },
      (error: unknown) => {
        this.log.error(errorFields(error), 'could not re-publish recent events at start');
        return this.run();
      },
    );
    void this.watchReconnects();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Called after a transaction that wrote outbox rows commits, so events leave without waiting for a poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      let published: number;
      try {
        published = await this.publishBatch();
        await this.cleanupIfDue();
      } catch (error) {
        this.log.error(errorFields(error), 'outbox relay pass failed; retrying');
        await this.sleep(this.config.outboxPollMs * 5);
        continue;
      }
      if (published >= this.config.outboxBatchSize) continue;
      // Under load, let the next commits gather (kicks are remembered meanwhile) instead of claiming a few
      // rows per pass back to back: a pass costs the same four round trips for one row or a hundred.
      const rest = this.config.outboxBatchWindowMs - (Date.now() - started);
      if (published > 0 && rest > 0 && this.running)
        await new Promise((resolve) => setTimeout(resolve, rest));
      await this.sleep(this.config.outboxPollMs);
    }
  }

  /**
   * Claims and publishes one batch; returns how many rows were published. Public for tests and tools.
   *
   * Two round trips per pass: `BEGIN` with the claim (a simple-protocol query of two statements, no
   * values), then the marks with `COMMIT` (`sendTogether`: the ids, stream sequences and error texts as
   * bind parameters). Whatever fails after the BEGIN was sent, the transaction is rolled back before the
   * connection goes back to the pool (issue 14: a failed claim left it there in an aborted transaction, and
   * the next user of that connection got "current transaction is aborted"); a connection that cannot even
   * roll back is closed instead.
   */
  async publishBatch(): Promise<number> {
    const pool = (this.dataSource.driver as PostgresDriver).master as { connect(): Promise<PoolClient> };
    const client = await pool.connect();
    let broken = false;
    try {
      const claim = (await client.query(
        `BEGIN; SELECT id, event_type, envelope::text AS body, envelope->>'type' AS type,
           envelope->>'correlationid' AS correlation_id FROM ${this.table}
         WHERE sent_at IS NULL ORDER BY seq LIMIT ${Math.trunc(this.config.outboxBatchSize)} FOR UPDATE SKIP LOCKED`,
      )) as unknown as QueryResult<PendingRow>[];
      const rows = claim[1].rows;
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      // Not awaited one by one: publishes on one connection keep their order and pipeline their acks.
      const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
      const sent = { ids: [] as string[], seqs: [] as number[] };
      const failed = { ids: [] as string[], errors: [] as string[] };
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') {
          sent.ids.push(rows[i].id);
          sent.seqs.push(result.value);
        } else {
          failed.ids.push(rows[i].id);
          failed.errors.push(String((result.reason as Error)?.message ?? result.reason).slice(0, 500));
        }
      });
      const statements: Statement[] = [];
      if (sent.ids.length > 0) {
        statements.push({
          text: `UPDATE ${this.table} AS o SET sent_at = now(), stream_seq = v.seq, last_error = NULL
           FROM unnest($1::uuid[], $2::bigint[]) AS v(id, seq) WHERE o.id = v.id`,
          values: [sent.ids, sent.seqs],
        });
      }
      if (failed.ids.length > 0) {
        statements.push({
          text: `UPDATE ${this.table} AS o SET attempts = attempts + 1, last_error = v.error
           FROM unnest($1::uuid[], $2::text[]) AS v(id, error) WHERE o.id = v.id`,
          values: [failed.ids, failed.errors],
        });
        this.log.warn(
          { failed: failed.ids.length, first: failed.errors[0] },
          'some outbox rows were not published',
        );
      }
      await sendTogether(client, [...statements, { text: 'COMMIT' }]);
      return sent.ids.length;
    } catch (error) {
      // Also when the claim itself failed: its BEGIN may have opened the transaction it aborted. Without
      // a transaction, ROLLBACK only warns.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async publish(row: PendingRow): Promise<number> {
    const h = natsHeaders();
    if (row.correlation_id) h.set(CORRELATION_HEADER, row.correlation_id);
    h.set('cl-event-type', row.event_type);
    const ack = await this.js.publish(eventSubject(this.config.prefix, row.type), row.body, {
      msgID: row.id,
      headers: h,
    });
    return ack.seq;
  }

  private async cleanupIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE id IN (
         SELECT id FROM ${this.table} WHERE sent_at < now() - make_interval(secs => $1) LIMIT 10000)`,
      [this.config.outboxRetentionMs / 1000],
    );
  }

  /** Marks recently sent rows unsent so they go out again with the same ids. */
  async republishRecent(): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE ${this.table} SET sent_at = NULL
       WHERE sent_at IS NOT NULL AND sent_at > now() - make_interval(secs => $1)`,
      [this.config.republishWindowMs / 1000],
    );
    this.kick();
    return result[1];
  }

  private async watchReconnects(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (!this.running) return;
        if (status.type !== 'reconnect') continue;
        try {
          await ensureEventStream(await natsManager(this.nc), this.config);
          const count = await this.republishRecent();
          this.log.warn({ count }, 'reconnected to NATS: re-publishing recently sent events');
        } catch (error) {
          this.log.error(errorFields(error), 'could not re-publish after reconnect');
        }
      }
    } catch (error) {
      this.log.error(errorFields(error), 'relay reconnect watcher stopped');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.kicked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
