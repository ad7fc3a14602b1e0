import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';

/**
 * R3, C9: hands tickets to agents. Stable entry points for the lifecycle code:
 * - `onLoadChanged(tx, agentId)`: call in the transaction that takes a ticket out of an agent's load
 *   (resolved, confirmed, closed) or puts one back (reopened); when the agent has room again, queued
 *   tickets of their departments come to them in the same transaction.
 */
@Injectable()
export class AssignmentService {
  /** Queue pulling arrives with the assignment strategies (next commits on this branch). */
  async onLoadChanged(_tx: Tx, _agentId: string): Promise<void> {}
}
