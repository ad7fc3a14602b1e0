import { connect } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { createLogger, errorFields } from '@closeloop/observability';
import { eventSubject } from '@closeloop/contracts';
import type { MessagingConfig } from './config';

const log = createLogger('nats');

export interface NatsAuth {
  credsFile?: string;
  user?: string;
  password?: string;
}

/**
 * The inbox prefix of a connection as `user`: each NATS user may read replies only under its own prefix
 * (deploy/nats/accounts.conf), so no service can listen to the answers another one receives.
 */
function inboxPrefixFor(user: string): string {
  return `_INBOX_${user}`;
}

export async function connectNats(url: string, name: string, auth: NatsAuth = {}): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(',').map((server) => server.trim()),
    name,
    ...(auth.credsFile
      ? { authenticator: credsAuthenticator(new Uint8Array(readFileSync(auth.credsFile))) }
      : {}),
    ...(auth.user ? { user: auth.user, pass: auth.password, inboxPrefix: inboxPrefixFor(auth.user) } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 5_000,
    // Otherwise every request (RPC, JetStream publish and API call) builds an Error with a stack trace up
    // front, in case it times out (see docs/decisions/0008). Errors still say what failed.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        log.warn({ status: status.type }, `NATS connection ${status.type}`);
      }
    }
  })().catch((error: unknown) => log.error(errorFields(error), 'NATS status loop failed'));
  return nc;
}

const ns = (ms: number) => ms * 1_000_000;

/**
 * Creates or updates the events stream from configuration. Idempotent: every service calls it at start-up
 * and after a reconnect (the broker may have come back without it).
 */
export async function ensureEventStream(jsm: JetStreamManager, config: MessagingConfig): Promise<void> {
  const wanted = {
    name: config.streamName,
    subjects: [eventSubject(config.prefix, '>')],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: ns(config.streamMaxAgeMs),
    duplicate_window: ns(config.duplicateWindowMs),
    num_replicas: config.streamReplicas,
  };
  try {
    const info = await jsm.streams.info(config.streamName);
    const current = info.config;
    if (
      current.max_age !== wanted.max_age ||
      current.duplicate_window !== wanted.duplicate_window ||
      current.subjects.join() !== wanted.subjects.join()
    ) {
      await jsm.streams.update(config.streamName, { ...current, ...wanted });
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(wanted);
    } catch (addError) {
      // Another replica created it between our info and add: fine.
      if (!String((addError as Error).message).includes('already in use')) throw addError;
    }
  }
}

/**
 * The relay publishes recently sent events again (at start, after a reconnect) for OUTBOX_REPUBLISH_WINDOW_
 * SECONDS; JetStream drops a repeated `Nats-Msg-Id` only within the stream's duplicate window. A longer
 * republish window would put duplicates on the stream, which partners (no inbox) would read twice: the
 * service refuses to start instead (issue 14). Reads the stream as it is, not as configured here: an
 * operator may manage it (deploy/nats).
 */
export async function checkRepublishWindow(jsm: JetStreamManager, config: MessagingConfig): Promise<void> {
  const { config: stream } = await jsm.streams.info(config.streamName);
  const duplicateWindowMs = stream.duplicate_window / 1_000_000;
  if (config.republishWindowMs >= duplicateWindowMs) {
    throw new Error(
      `OUTBOX_REPUBLISH_WINDOW_SECONDS (${config.republishWindowMs / 1000} s) must be shorter than the ` +
        `duplicate window of stream ${config.streamName} (${duplicateWindowMs / 1000} s): events published ` +
        `again would reach consumers twice`,
    );
  }
}

export function isNotFound(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return /not found/i.test(message);
}

export async function natsManager(nc: NatsConnection): Promise<JetStreamManager> {
  return jetstreamManager(nc, { timeout: 10_000 });
}
