import type { ProcessOutcome } from './event-consumer';

/**
 * What the messaging layer reports about its work, for metrics (libs/runtime counts it with prom-client).
 * Calls are synchronous and cheap; the default observer does nothing.
 */
/** How an RPC request was answered: `refused` is a DomainError (validation, forbidden, not found). */
export type RpcOutcome = 'ok' | 'refused' | 'failed';

/** How a consumer settled a delivered event: processed, retried later, or dead-lettered. */
export type SettledOutcome = ProcessOutcome | 'retried' | 'dead_lettered';

export interface MessagingObserver {
  /** An RPC request answered. */
  rpcAnswered(method: string, outcome: RpcOutcome, seconds: number): void;
  /** A delivered event settled by a consumer. */
  eventSettled(consumer: string, type: string, outcome: SettledOutcome): void;
}

export const NO_OBSERVER: MessagingObserver = {
  rpcAnswered: () => undefined,
  eventSettled: () => undefined,
};
