import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { ScheduledJob } from '@closeloop/scheduling';
import type { RoutingEnv } from '../routing.env';
import { AssignmentRepository } from './assignment.repository';
import { AssignmentService } from './assignment.service';

const log = createLogger('queue-sweeper');

/** Settled tickets' dispatch rows dropped per round (housekeeping; the next round takes the rest). */
const PRUNE_BATCH = 1_000;

/**
 * The safety net under event-driven assignment (R3, R9 nothing dropped): every `DISPATCH_SWEEP_SECONDS` it
 * takes back tickets held by agents who may no longer hold them (deactivated, moved) and drains every
 * department queue that agents with room could serve. Normally there is nothing to do: assignment happens
 * in the transactions that open tickets, change agents and free capacity; the sweep covers the moment an
 * agent came on shift while a ticket was being queued, and tickets skipped because they were locked. It
 * also drops the dispatch rows of settled tickets.
 *
 * With several replicas, one sweeps at a time (the `dispatch-sweep` scheduled job's claim, decision 0022;
 * a direct call also takes a transaction-scoped advisory try-lock and skips the round when another holds
 * it), and each department is drained under its own lock, so nothing is handed out twice. It keeps no
 * state, so a restart loses nothing.
 */
@Injectable()
export class QueueSweepScheduler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: AssignmentRepository,
    private readonly assignment: AssignmentService,
  ) {}

  /**
   * One round every DISPATCH_SWEEP_SECONDS (0: off); returns how many tickets were handed out, or null when
   * another replica is sweeping.
   */
  @ScheduledJob('dispatch-sweep', {
    every: (env: RoutingEnv) => env.DISPATCH_SWEEP_SECONDS * 1000,
    leaseMs: 30_000,
  })
  async sweep(): Promise<number | null> {
    return this.uow.run(async (tx) => {
      const [{ ok }] = await tx.manager.query<{ ok: boolean }[]>(
        `SELECT pg_try_advisory_xact_lock(hashtextextended('closeloop:routing:dispatch-sweep', 0)) AS ok`,
      );
      if (!ok) return null;
      for (const stranded of await this.repository.strandedAgents(tx.manager)) {
        await this.assignment.requeueHeldBy(tx, stranded.agentId, [stranded.department], 'agent_left');
      }
      await this.repository.pruneAllFinal(tx.manager, PRUNE_BATCH);
      const departments = await this.repository.departmentsWithQueue(tx.manager);
      const assigned = await this.assignment.drain(tx, departments);
      if (assigned > 0) log.info({ assigned }, 'dispatch sweep handed out queued tickets');
      return assigned;
    });
  }
}
