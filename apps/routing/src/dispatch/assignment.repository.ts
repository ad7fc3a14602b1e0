import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DeferredInsert, insertRows, type Tx } from '@closeloop/messaging';
import type { AssignmentStrategy, Availability, Role, TicketStatus } from '@closeloop/contracts';
import type { Candidate } from './assignment-strategy';
import type { TicketDispatchEntity } from './entities/ticket-dispatch.entity';

/** An agent who may take tickets now: active, with the agent role, on shift, with capacity. */
const MAY_TAKE_TICKETS = `active AND availability = 'on_shift' AND 'agent' = ANY(roles) AND capacity > 0`;

/** Statuses in which a ticket is not in its agent's load any more (R6): resolved or beyond. */
export const OUT_OF_LOAD: readonly TicketStatus[] = ['resolved', 'confirmed', 'archived', 'closed'];
/** Statuses a ticket never leaves (a resolved ticket may still be reopened by an objection). */
export const FINAL: readonly TicketStatus[] = ['confirmed', 'archived', 'closed'];

/** The dispatch row of a ticket opened straight into its department's queue, written at the commit. */
const INSERT_QUEUED = new DeferredInsert<
  Pick<
    TicketDispatchEntity,
    'ticketId' | 'ticketNo' | 'department' | 'requiredSkills' | 'urgencyDue' | 'queuedSince'
  >
>('routing.ticket_dispatch', {
  ticketId: 'ticket_id',
  ticketNo: 'ticket_no',
  department: 'department',
  requiredSkills: 'required_skills',
  urgencyDue: 'urgency_due',
  queuedSince: 'queued_since',
});

/** A department's round-robin cursor moved on by one turn. */
const RECORD_TURN = new DeferredInsert<{ department: string; lastAgent: string; turns: number }>(
  'routing.assignment_cursors',
  { department: 'department', lastAgent: 'last_agent', turns: 'turns' },
  `ON CONFLICT (department) DO UPDATE
     SET last_agent = EXCLUDED.last_agent, turns = assignment_cursors.turns + 1, updated_at = now()`,
);

/** A ticket's place in dispatch (see moveDispatch). */
export interface DispatchRow {
  ticketId: string;
  ticketNo: string;
  department: string;
  assignee: string | null;
  requiredSkills: string[];
  urgencyDue: Date;
  avoidAgent: string | null;
}

export interface DepartmentConfig {
  strategy: AssignmentStrategy;
  preferPreviousAgent: boolean;
}

/** A ticket as dispatch handles it. */
export interface DispatchTicket {
  id: string;
  ticketNo: string;
  customerId: string | null;
  requiredSkills: string[];
  /** An agent not to give it to while it waits (see TicketDispatchEntity.avoidAgent). */
  avoidAgent?: string | null;
}

export interface LockedAgent {
  userId: string;
  roles: Role[];
  departmentIds: string[];
  skillIds: string[];
  capacity: number;
  availability: Availability;
  active: boolean;
}

interface AgentRow {
  user_id: string;
  roles: Role[];
  department_ids: string[];
  skill_ids: string[];
  capacity: number;
  availability: Availability;
  active: boolean;
}

interface QueueRow {
  ticket_id: string;
  ticket_no: string;
  required_skills: string[];
  customer_id: string | null;
  avoid_agent: string | null;
}

const toTicket = (row: QueueRow): DispatchTicket => ({
  id: row.ticket_id,
  ticketNo: row.ticket_no,
  customerId: row.customer_id,
  requiredSkills: row.required_skills,
  avoidAgent: row.avoid_agent,
});

/** SQL of assignment: department locks, turns, candidates and their loads, the queues (R3, C9). */
/** An agent's figures in the workload view. */
export interface AgentWorkloadRow {
  user_id: string;
  department_ids: string[];
  availability: Availability;
  capacity: number;
  load: number;
  breached: number;
}

/** A department's queue in the workload view. */
export interface DepartmentQueueRow {
  department: string;
  queued: number;
  oldest: Date | null;
  most_urgent: Date | null;
}

@Injectable()
export class AssignmentRepository {
  /**
   * Exclusive per-department locks until the transaction ends, always taken in id order and before any
   * agent row lock, so concurrent assigners never deadlock and never hand out the same turn twice.
   */
  async lockDepartments(manager: EntityManager, departments: string[]): Promise<void> {
    for (const department of [...new Set(departments)].sort()) {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(department)]);
    }
  }

  async departmentConfig(manager: EntityManager, department: string): Promise<DepartmentConfig | null> {
    const rows: { assignment_strategy: AssignmentStrategy; prefer_previous_agent: boolean }[] =
      await manager.query(
        `SELECT assignment_strategy, prefer_previous_agent FROM routing.org_departments WHERE id = $1`,
        [department],
      );
    return rows[0]
      ? { strategy: rows[0].assignment_strategy, preferPreviousAgent: rows[0].prefer_previous_agent }
      : null;
  }

  /** Active/inactive of every department routing knows (a department absent: not heard of yet). */
  async departmentStates(manager: EntityManager): Promise<Map<string, boolean>> {
    const rows: { id: string; active: boolean }[] = await manager.query(
      `SELECT id, active FROM routing.org_departments`,
    );
    return new Map(rows.map((row) => [row.id, row.active]));
  }

  async lastAgent(manager: EntityManager, department: string): Promise<string | null> {
    const rows: { last_agent: string | null }[] = await manager.query(
      `SELECT last_agent FROM routing.assignment_cursors WHERE department = $1`,
      [department],
    );
    return rows[0]?.last_agent ?? null;
  }

  async recordTurn(manager: EntityManager, department: string, agentId: string): Promise<void> {
    await insertRows(manager, RECORD_TURN, [{ department, lastAgent: agentId, turns: 1 }]);
  }

  /** Agents who may take the department's tickets now: active, with the agent role, on shift, with capacity. */
  async candidates(manager: EntityManager, department: string): Promise<Omit<Candidate, 'load'>[]> {
    const rows: { user_id: string; skill_ids: string[]; capacity: number }[] = await manager.query(
      `SELECT user_id, skill_ids, capacity FROM routing.org_agents
        WHERE $1 = ANY(department_ids) AND ${MAY_TAKE_TICKETS}`,
      [department],
    );
    return rows.map((row) => ({ userId: row.user_id, skillIds: row.skill_ids, capacity: row.capacity }));
  }

  /** The departments where some agent may take tickets now (as `candidates`, for all departments at once). */
  async staffedDepartments(manager: EntityManager): Promise<Set<string>> {
    const rows: { department: string }[] = await manager.query(
      `SELECT DISTINCT unnest(department_ids) AS department FROM routing.org_agents WHERE ${MAY_TAKE_TICKETS}`,
    );
    return new Set(rows.map((row) => row.department));
  }

  /** Whether any open ticket waits in the department's queue (no locks: a cheap first look). */
  async hasQueue(manager: EntityManager, department: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM routing.ticket_dispatch d JOIN routing.tickets t ON t.id = d.ticket_id
        WHERE d.department = $1 AND d.assignee IS NULL AND t.status <> ALL($2) LIMIT 1`,
      [department, OUT_OF_LOAD],
    );
    return rows.length > 0;
  }

  /** The departments of an active agent (none for an unknown or deactivated one). */
  async agentDepartments(manager: EntityManager, agentId: string): Promise<string[]> {
    const rows: { department_ids: string[] }[] = await manager.query(
      `SELECT department_ids FROM routing.org_agents WHERE user_id = $1 AND active`,
      [agentId],
    );
    return rows[0]?.department_ids ?? [];
  }

  /** Open tickets per agent, in every department (R3 load). */
  async loads(manager: EntityManager, agentIds: string[]): Promise<Map<string, number>> {
    if (agentIds.length === 0) return new Map();
    const rows: { assignee: string; load: number }[] = await manager.query(
      `SELECT d.assignee, count(*)::int AS load
         FROM routing.ticket_dispatch d JOIN routing.tickets t ON t.id = d.ticket_id
        WHERE d.assignee = ANY($1::uuid[]) AND t.status <> ALL($2)
        GROUP BY d.assignee`,
      [agentIds, OUT_OF_LOAD],
    );
    return new Map(rows.map((row) => [row.assignee, row.load]));
  }

  /**
   * The workload of departments (null: all): each active agent in them with capacity, availability, the
   * open tickets they hold (anywhere) and how many of those are past a due time; and each queue.
   */
  async workload(
    manager: EntityManager,
    departments: string[] | null,
    now: Date,
  ): Promise<{ agents: AgentWorkloadRow[]; queues: DepartmentQueueRow[] }> {
    const agents: AgentWorkloadRow[] = await manager.query(
      `SELECT a.user_id, a.department_ids, a.availability, a.capacity,
              count(t.id)::int AS load, count(t.id) FILTER (WHERE t.next_due_at <= $3)::int AS breached
         FROM routing.org_agents a
         LEFT JOIN routing.ticket_dispatch d ON d.assignee = a.user_id
         LEFT JOIN routing.tickets t ON t.id = d.ticket_id AND t.status <> ALL($2)
        WHERE a.active AND 'agent' = ANY(a.roles) AND ($1::text[] IS NULL OR a.department_ids && $1)
        GROUP BY a.user_id ORDER BY a.user_id`,
      [departments, OUT_OF_LOAD, now],
    );
    const queues: DepartmentQueueRow[] = await manager.query(
      `SELECT d.department, count(*)::int AS queued, min(d.queued_since) AS oldest,
              min(d.urgency_due) AS most_urgent
         FROM routing.ticket_dispatch d JOIN routing.tickets t ON t.id = d.ticket_id
        WHERE d.assignee IS NULL AND t.status <> ALL($2) AND ($1::text[] IS NULL OR d.department = ANY($1))
        GROUP BY d.department`,
      [departments, OUT_OF_LOAD],
    );
    return { agents, queues };
  }

  /** Active departments of the read model (for an admin's workload of every department). */
  async activeDepartments(manager: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM routing.org_departments WHERE active ORDER BY id`,
    );
    return rows.map((row) => row.id);
  }

  /** The agent's row, locked: whoever assigns to them next waits, so their capacity holds across departments. */
  async lockAgent(manager: EntityManager, agentId: string): Promise<LockedAgent | null> {
    const rows: AgentRow[] = await manager.query(
      `SELECT user_id, roles, department_ids, skill_ids, capacity, availability, active
         FROM routing.org_agents WHERE user_id = $1 FOR UPDATE`,
      [agentId],
    );
    const row = rows[0];
    return row
      ? {
          userId: row.user_id,
          roles: row.roles,
          departmentIds: row.department_ids,
          skillIds: row.skill_ids,
          capacity: row.capacity,
          availability: row.availability,
          active: row.active,
        }
      : null;
  }

  /** C9: agents who handled this customer's other tickets, most recent first. */
  async previousAgents(manager: EntityManager, customerId: string, ticketId: string): Promise<string[]> {
    const rows: { assignee: string }[] = await manager.query(
      `SELECT assignee FROM routing.tickets
        WHERE customer_id = $1 AND id <> $2 AND assignee IS NOT NULL
        ORDER BY received_at DESC LIMIT 20`,
      [customerId, ticketId],
    );
    return [...new Set(rows.map((row) => row.assignee))];
  }

  /** A ticket's dispatch row, locked (reassign); null for tickets opened before dispatch existed. */
  async lockDispatch(
    manager: EntityManager,
    ticketId: string,
  ): Promise<{ department: string; assignee: string | null; requiredSkills: string[] } | null> {
    const rows: { department: string; assignee: string | null; required_skills: string[] }[] =
      await manager.query(
        `SELECT department, assignee, required_skills FROM routing.ticket_dispatch WHERE ticket_id = $1 FOR UPDATE`,
        [ticketId],
      );
    return rows[0]
      ? {
          department: rows[0].department,
          assignee: rows[0].assignee,
          requiredSkills: rows[0].required_skills,
        }
      : null;
  }

  /**
   * Moves a ticket in dispatch: to a department, and to an agent or (null) the department's queue. The
   * urgency is set when the row is first written (from the ticket's first-response due time) and kept.
   */
  async moveDispatch(manager: EntityManager, row: DispatchRow): Promise<void> {
    await manager.query(
      `INSERT INTO routing.ticket_dispatch
         (ticket_id, ticket_no, department, assignee, required_skills, urgency_due, queued_since, avoid_agent)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4::uuid IS NULL THEN now() END, $7)
       ON CONFLICT (ticket_id) DO UPDATE SET
         department = EXCLUDED.department,
         assignee = EXCLUDED.assignee,
         required_skills = EXCLUDED.required_skills,
         avoid_agent = EXCLUDED.avoid_agent,
         -- Waiting keeps its place in the queue when it was already waiting in the same department.
         queued_since = CASE
           WHEN EXCLUDED.assignee IS NOT NULL THEN NULL
           WHEN ticket_dispatch.assignee IS NULL AND ticket_dispatch.department = EXCLUDED.department
             THEN ticket_dispatch.queued_since
           ELSE now() END,
         updated_at = now()`,
      [
        row.ticketId,
        row.ticketNo,
        row.department,
        row.assignee,
        row.requiredSkills,
        row.urgencyDue,
        row.assignee === null ? row.avoidAgent : null,
      ],
    );
  }

  /**
   * The dispatch row of a ticket opened in this transaction and queued at once (nothing can conflict with
   * it), written with the transaction's other deferred rows.
   */
  deferNewQueued(tx: Tx, row: DispatchRow, queuedSince: Date): void {
    tx.deferInsert(INSERT_QUEUED, {
      ticketId: row.ticketId,
      ticketNo: row.ticketNo,
      department: row.department,
      requiredSkills: row.requiredSkills,
      urgencyDue: row.urgencyDue,
      queuedSince,
    });
  }

  /**
   * The department's waiting tickets, most urgent first (earliest first-response due, then the longest
   * waiting), locked; tickets another transaction is changing right now are skipped, not waited for.
   */
  async queued(manager: EntityManager, department: string, limit: number): Promise<DispatchTicket[]> {
    const rows: QueueRow[] = await manager.query(
      `SELECT d.ticket_id, d.ticket_no, d.required_skills, d.avoid_agent, t.customer_id
         FROM routing.ticket_dispatch d JOIN routing.tickets t ON t.id = d.ticket_id
        WHERE d.department = $1 AND d.assignee IS NULL AND t.status <> ALL($2)
        ORDER BY d.urgency_due, d.queued_since
        LIMIT $3
        FOR UPDATE OF d, t SKIP LOCKED`,
      [department, OUT_OF_LOAD, limit],
    );
    return rows.map(toTicket);
  }

  /** Departments where open tickets wait for an agent (the sweep looks only at these). */
  async departmentsWithQueue(manager: EntityManager): Promise<string[]> {
    const rows: { department: string }[] = await manager.query(
      `SELECT DISTINCT department FROM routing.ticket_dispatch WHERE assignee IS NULL ORDER BY department`,
    );
    return rows.map((row) => row.department);
  }

  /**
   * Open tickets held by an agent in the given departments (null: all), locked; for taking them back when
   * the agent leaves. Tickets being changed right now are skipped (the sweep comes back for them).
   */
  async heldBy(
    manager: EntityManager,
    agentId: string,
    departments: string[] | null,
  ): Promise<(DispatchTicket & { department: string; urgencyDue: Date })[]> {
    const rows: (QueueRow & { department: string; urgency_due: Date })[] = await manager.query(
      `SELECT d.ticket_id, d.ticket_no, d.required_skills, d.avoid_agent, d.department, d.urgency_due, t.customer_id
         FROM routing.ticket_dispatch d JOIN routing.tickets t ON t.id = d.ticket_id
        WHERE d.assignee = $1 AND ($2::text[] IS NULL OR d.department = ANY($2)) AND t.status <> ALL($3)
        ORDER BY d.urgency_due
        FOR UPDATE OF d, t SKIP LOCKED`,
      [agentId, departments, OUT_OF_LOAD],
    );
    return rows.map((row) => ({ ...toTicket(row), department: row.department, urgencyDue: row.urgency_due }));
  }

  /** Agents holding open tickets who may no longer: deactivated, or no longer in that department. */
  async strandedAgents(manager: EntityManager): Promise<{ agentId: string; department: string }[]> {
    const rows: { assignee: string; department: string }[] = await manager.query(
      `SELECT DISTINCT d.assignee, d.department
         FROM routing.ticket_dispatch d JOIN routing.org_agents a ON a.user_id = d.assignee
        WHERE NOT a.active OR NOT (d.department = ANY(a.department_ids)) OR NOT ('agent' = ANY(a.roles))`,
    );
    return rows.map((row) => ({ agentId: row.assignee, department: row.department }));
  }

  /**
   * Drops up to `limit` dispatch rows of settled tickets anywhere (the sweep's housekeeping): the table
   * then holds about as many rows as there are open tickets, which keeps loads and queues cheap to read.
   */
  async pruneAllFinal(manager: EntityManager, limit: number): Promise<number> {
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM routing.ticket_dispatch WHERE ticket_id IN (
         SELECT d.ticket_id FROM routing.ticket_dispatch d JOIN routing.tickets t ON t.id = d.ticket_id
          WHERE t.status = ANY($1) LIMIT $2)`,
      [FINAL, limit],
    );
    return result[1];
  }

  /** Drops an agent's dispatch rows of tickets that can never come back (confirmed, archived, closed). */
  async pruneFinal(manager: EntityManager, agentId: string): Promise<void> {
    await manager.query(
      `DELETE FROM routing.ticket_dispatch d USING routing.tickets t
        WHERE d.assignee = $2 AND t.id = d.ticket_id AND t.status = ANY($1)`,
      [FINAL, agentId],
    );
  }

  /**
   * The ticket's department and assignee (mirrored from dispatch, same transaction). R6: a ticket that
   * gets an agent while new or classified becomes assigned; one that loses its agent while merely
   * assigned goes back to classified; later states are the lifecycle's and stay as they are.
   */
  async updateTicket(
    manager: EntityManager,
    ticketId: string,
    department: string,
    assignee: string | null,
    bumpVersion: boolean,
  ): Promise<void> {
    await manager.query(
      `UPDATE routing.tickets SET department = $2, assignee = $3,
         status = CASE
           WHEN $3::uuid IS NOT NULL AND status IN ('new', 'classified') THEN 'assigned'
           WHEN $3::uuid IS NULL AND status = 'assigned' THEN 'classified'
           ELSE status END,
         version = version + $4, updated_at = now()
       WHERE id = $1`,
      [ticketId, department, assignee, bumpVersion ? 1 : 0],
    );
  }
}

function lockKey(department: string): string {
  return `closeloop:routing:assign:${department}`;
}
