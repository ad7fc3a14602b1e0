/** Messaging settings of one deployment (or one isolated test run). Validated with the service's env. */
export interface MessagingConfig {
  /** Subject prefix: every subject is `<prefix>.events.*` or `<prefix>.rpc.*`. Tests use their own. */
  prefix: string;
  /** The JetStream stream holding every domain event under `<prefix>.events.>`. */
  streamName: string;
  /** How long the stream keeps events (partners replay from it). */
  streamMaxAgeMs: number;
  /** JetStream drops a re-published `Nats-Msg-Id` inside this window. Must exceed `republishWindowMs`. */
  duplicateWindowMs: number;
  /** Sent outbox rows are kept this long, then deleted. */
  outboxRetentionMs: number;
  /** After a reconnect, rows sent this recently are published again (same id), in case the broker lost them. */
  republishWindowMs: number;
  outboxBatchSize: number;
  outboxPollMs: number;
  /**
   * After a relay pass that published something, the next pass starts no sooner than this after it began:
   * under load rows gather into bigger batches (fewer claim transactions); under light load the next
   * commit comes later than this anyway and is published at once.
   */
  outboxBatchWindowMs: number;
  /** A consumed event that failed this many times becomes a dead letter. */
  maxDeliveries: number;
  /** Delay before redelivery after the n-th failure (the last value repeats). */
  retryBackoffMs: number[];
  /** Transactions (batches of events) one consumer runs at once in one process; each holds a connection. */
  consumerConcurrency: number;
  /** Most events handled in one transaction by a consumer (1: one event per transaction). */
  consumerBatchSize: number;
  /** Most `GroupedUnitOfWork.run` calls committed in one transaction (1: no grouping). */
  groupCommitSize: number;
  /** Group transactions a `GroupedUnitOfWork` runs at once; each holds a connection. */
  groupCommitInFlight: number;
  ackWaitMs: number;
  rpcTimeoutMs: number;
  /** Replicas of the events stream when it is created (3 on a JetStream cluster). */
  streamReplicas: number;
}

export function streamNameFor(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_EVENTS`;
}

export function defaultMessagingConfig(prefix: string): MessagingConfig {
  return {
    prefix,
    streamName: streamNameFor(prefix),
    streamMaxAgeMs: 7 * 24 * 3600_000,
    duplicateWindowMs: 10 * 60_000,
    outboxRetentionMs: 60 * 60_000,
    republishWindowMs: 5 * 60_000,
    outboxBatchSize: 256,
    outboxPollMs: 200,
    outboxBatchWindowMs: 10,
    maxDeliveries: 5,
    retryBackoffMs: [500, 2_000, 10_000, 30_000],
    consumerConcurrency: 16,
    consumerBatchSize: 32,
    groupCommitSize: 32,
    groupCommitInFlight: 2,
    ackWaitMs: 30_000,
    rpcTimeoutMs: 10_000,
    streamReplicas: 1,
  };
}
