/**
 * What the messaging layer reports about its work, for metrics (libs/runtime counts it with prom-client).
 * Calls are synchronous and cheap; the default observer does nothing.
 */
export interface MessagingObserver {
  /** An RPC request answered: `ok`, `refused` (a DomainError: validation, forbidden, not found) or `failed`. */
  rpcAnswered(method: string, outcome: 'ok' | 'refused' | 'failed', seconds: number): void;
  /** A delivered event settled by a consumer. */
  eventSettled(
    consumer: string,
    type: string,
    outcome: 'handled' | 'duplicate' | 'ignored' | 'retried' | 'dead_lettered',
  ): void;
}

export const NO_OBSERVER: MessagingObserver = {
  rpcAnswered: () => undefined,
  eventSettled: () => undefined,
};
