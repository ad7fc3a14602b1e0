import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { DomainError, TicketEvents, type FeedbackType, type Level } from '@closeloop/contracts';
import type { Applied } from '../org/org-directory.repository';
import type { OrgAgentEntity } from '../org/entities/org-agent.entity';
import { RoutingSettingsRepository } from '../settings/routing-settings.repository';
import { deferTicketHistory } from '../ticket-history/ticket-history';
import { isEligible, rankCandidates, type Candidate } from './assignment-strategy';
import { AssignmentRepository, type DepartmentConfig, type DispatchTicket } from './assignment.repository';
import { chooseDepartment, type DispatchDecision, type DispatchInput } from './dispatch-rules';

const log = createLogger('assignment');

/** How a department treats tickets before the directory has told routing about it. */
const UNKNOWN_DEPARTMENT: DepartmentConfig = { strategy: 'round_robin', preferPreviousAgent: true };
/** How long a process reuses its read of which departments are active (as settings are cached). */
const DEPARTMENT_STATES_MS = 5_000;
/** Per transaction: the departments that had anyone to take tickets when first looked at. */
const STAFFED = Symbol('departments with anyone on shift');
/** Queued tickets looked at per round of a drain (a drain goes on while rounds assign something). */
const QUEUE_BATCH = 50;

/** Why an agent was chosen: C9's previous agent, or the department's strategy. */
export type AssignedVia = 'previous_agent' | 'supervisor' | DepartmentConfig['strategy'];

/** Who moved the ticket and why, for its history (R6, R9). */
export interface AssignmentContext {
  by: 'dispatch' | 'queue' | 'reassign' | 'requeue';
  actor: string | null;
  /** The dispatch rule that chose the department (R3), when dispatch did. */
  rule?: string | null;
  /** A supervisor's stated reason, or why the system took the ticket back. */
  reason?: string;
  /** Where the ticket was before, when it moves from somewhere (reassign, requeue). */
  previous?: { department: string | null; assignee: string | null };
  /** False only in the transaction that opens the ticket (it is born dispatched, at version 1). */
  bumpVersion: boolean;
  /**
   * Only in the transaction that opens the ticket: the department its row was inserted with (no assignee,
   * no dispatch row yet), so a ticket that stays queued there needs no update and its dispatch row can
   * be written with the transaction's other deferred rows.
   */
  bornIn?: string;
}

export interface NewTicket {
  id: string;
  ticketNo: string;
  customerId: string | null;
  type: FeedbackType;
  category: string;
  level: Level;
  /** First-response due time: the queue serves the most urgent first. */
  urgencyDue: Date;
}

interface Choice {
  agentId: string | null;
  via?: AssignedVia;
  /** Whether any agent of the department had room at all (false: stop draining the queue). */
  anyRoom: boolean;
}

/**
 * R3, C9: hands tickets to agents. A new ticket goes to the department its dispatch rule names and, in the
 * same transaction, to an agent chosen by the department's strategy among agents on shift with room and
 * the required skills (preferring the customer's previous agent when the department says so); when nobody
 * can take it, it waits in the department's queue and is handed out, most urgent first, as soon as an
 * agent comes on shift or has room again.
 *
 * Safety with many routing replicas: a per-department advisory lock (exclusive, until commit) serialises
 * the department's turns, and the chosen agent's row is locked before their load is counted, so capacity
 * holds even when two departments share an agent. Locks are always taken departments first (in id order),
 * then agents, then tickets with SKIP LOCKED, which keeps concurrent assigners free of deadlocks. A
 * department with nobody on shift takes no lock at all, so intake's throughput does not queue behind it.
 *
 * Stable entry point for the lifecycle code: `onLoadChanged(tx, agentId)`.
 */
/** The facts of a ticket a redispatch reads (a `TicketEntity` has them; dispatch sits below tickets). */
export interface RedispatchedTicket {
  id: string;
  ticketNo: string;
  customerId: string | null;
  type: FeedbackType;
  category: string;
  level: Level;
  department: string | null;
  assignee: string | null;
  dueFirstResponse: Date;
}

@Injectable()
export class AssignmentService {
  constructor(
    private readonly repository: AssignmentRepository,
    private readonly settings: RoutingSettingsRepository,
  ) {}

  private states?: { at: number; value: ReadonlyMap<string, boolean> };

  /**
   * R3: dispatches a ticket just opened in the department `decide` chose (called inside the opening
   * transaction): to an agent now, or to the department's queue.
   */
  async dispatchNew(tx: Tx, ticket: NewTicket, decision: DispatchDecision): Promise<void> {
    // The dispatch row is written once, with the outcome (record → moveDispatch).
    await this.placeDecided(tx, ticket, decision, ticket.urgencyDue, {
      by: 'dispatch',
      actor: null,
      rule: decision.rule,
      bumpVersion: false,
      bornIn: decision.department,
    });
  }

  /** `place` where the dispatch rules decided: the rule's department and required skills. */
  private placeDecided(
    tx: Tx,
    ticket: Pick<NewTicket, 'id' | 'ticketNo' | 'customerId'>,
    decision: DispatchDecision,
    urgencyDue: Date,
    context: AssignmentContext,
  ): Promise<string | null> {
    const { id, ticketNo, customerId } = ticket;
    const moving = { id, ticketNo, customerId, requiredSkills: decision.requiredSkills };
    return this.place(tx, moving, decision.department, urgencyDue, context);
  }

  /**
   * I4, R3: after a reclassification, the ticket goes where the dispatch rules now send it. Nothing
   * happens when that is the department it is in; otherwise it moves like a reassignment to a department
   * (the strategy picks an agent, else the queue) and its previous agent's freed room drains their queues.
   * Returns the new department, or null when the ticket stays.
   */
  async redispatch(
    tx: Tx,
    ticket: RedispatchedTicket,
    actor: string | null,
    reason: string,
  ): Promise<string | null> {
    const decision = await this.decide(tx, ticket);
    if (decision.department === ticket.department) return null;
    const previous = { department: ticket.department, assignee: ticket.assignee };
    // Departments first, in order, then the dispatch row (the lock order of every assigner).
    const freed = previous.assignee
      ? await this.repository.agentDepartments(tx.manager, previous.assignee)
      : [];
    await this.repository.lockDepartments(tx.manager, [decision.department, ...freed]);
    await this.repository.lockDispatch(tx.manager, ticket.id);
    const placed = await this.placeDecided(tx, ticket, decision, ticket.dueFirstResponse, {
      by: 'dispatch',
      actor,
      rule: decision.rule,
      reason,
      previous,
      bumpVersion: true,
    });
    if (previous.assignee && previous.assignee !== placed) await this.drain(tx, freed);
    return decision.department;
  }

  /**
   * R3: the department the dispatch rules send the ticket to, passing over deactivated ones. No side
   * effects: a ticket being opened is decided before its row is written, so it is born in that department.
   */
  async decide(tx: Tx, ticket: DispatchInput): Promise<DispatchDecision> {
    const settings = await this.settings.get('dispatch', tx.manager);
    const states = await this.departmentStates(tx.manager);
    return chooseDepartment(settings, ticket, (id) =>
      !states.has(id) ? 'unknown' : states.get(id) ? 'active' : 'inactive',
    );
  }

  /**
   * Which departments are active, as routing's read model says; re-read at most every few seconds per
   * process (like settings) and at once after this process applied a department change, so opening a
   * ticket costs no query for it. A deactivation reaches every replica's dispatch within that time.
   */
  private async departmentStates(manager: EntityManager): Promise<ReadonlyMap<string, boolean>> {
    if (this.states && Date.now() - this.states.at < DEPARTMENT_STATES_MS) return this.states.value;
    const value = await this.repository.departmentStates(manager);
    this.states = { at: Date.now(), value };
    return value;
  }

  /** After a department change was applied here (OrgEventsHandler). */
  forgetDepartmentStates(): void {
    this.states = undefined;
  }

  /**
   * Call in the transaction that takes a ticket out of an agent's load (resolved, confirmed, closed) or puts
   * one back (reopened). When the agent has room again, queued tickets of their departments come to them
   * (or to whoever the strategy picks) in the same transaction.
   */
  async onLoadChanged(tx: Tx, agentId: string): Promise<void> {
    const departments = await this.repository.agentDepartments(tx.manager, agentId);
    await this.repository.pruneFinal(tx.manager, agentId);
    await this.drain(tx, departments);
  }

  /**
   * Call before changing an agent's row in the read model: the departments they were and will be in are
   * locked first, keeping the lock order (departments, then agents) that keeps assigners deadlock-free.
   */
  async beforeAgentChange(tx: Tx, departments: string[]): Promise<void> {
    await this.repository.lockDepartments(tx.manager, departments);
  }

  /**
   * After routing applied an agent's new profile: tickets go back to the queue where the agent may no
   * longer hold them (deactivated, left the department, no longer an agent; not merely away), and queues
   * the change may unblock (on shift, more capacity, new skills or departments) are drained.
   */
  async onAgentChanged(tx: Tx, change: Applied<OrgAgentEntity>): Promise<void> {
    if (!change.applied) return;
    const { before, after } = change;
    const mayHold = (department: string) =>
      after.active && after.roles.includes('agent') && after.departmentIds.includes(department);
    const left = (before?.departmentIds ?? []).filter((department) => !mayHold(department));
    if (left.length > 0) await this.requeueHeldBy(tx, after.userId, left, 'agent_left');
    await this.drain(tx, [...left, ...(after.active ? after.departmentIds : [])]);
  }

  /**
   * Gives the ticket to an agent of `department` now if one can take it, or leaves it in the department's
   * queue; history and `ticket.assigned.v1` either way. Returns the agent, or null when queued.
   */
  async place(
    tx: Tx,
    ticket: DispatchTicket,
    department: string,
    urgencyDue: Date,
    context: AssignmentContext,
    exclude: string | null = null,
  ): Promise<string | null> {
    let choice: Choice = { agentId: null, anyRoom: false };
    // Nobody on shift: queue without taking the department lock (the common case at night). Looked at once
    // per transaction and department (a consumer batch opens many tickets in one): an agent coming on
    // shift at this very moment is covered by the sweep (QueueSweepScheduler), as one between two batches is.
    if (await this.anyCandidate(tx, department)) {
      await this.repository.lockDepartments(tx.manager, [department]);
      choice = await this.choose(tx.manager, department, ticket, exclude);
    }
    await this.record(tx, ticket, department, urgencyDue, choice, context);
    return choice.agentId;
  }

  /**
   * Whether anyone may take the department's tickets now. Read once per transaction for every department
   * (one statement, where a batch spread over several departments sent one each).
   */
  private async anyCandidate(tx: Tx, department: string): Promise<boolean> {
    const staffed = tx.local(STAFFED, () => this.repository.staffedDepartments(tx.manager));
    return (await staffed).has(department);
  }

  /**
   * Hands out queued tickets of these departments while someone can take them, most urgent first. Cheap
   * when there is nothing to do: a department is locked only if it has both waiting tickets and agents.
   */
  async drain(tx: Tx, departments: string[]): Promise<number> {
    const busy: string[] = [];
    // Read now, not the transaction's first look (anyCandidate): the change being drained for is in it.
    const staffed = await this.repository.staffedDepartments(tx.manager);
    for (const department of [...new Set(departments)].sort()) {
      if (staffed.has(department) && (await this.repository.hasQueue(tx.manager, department))) {
        busy.push(department);
      }
    }
    if (busy.length === 0) return 0;
    await this.repository.lockDepartments(tx.manager, busy);
    let assigned = 0;
    for (const department of busy) assigned += await this.drainLocked(tx, department);
    return assigned;
  }

  /** Takes back the open tickets an agent holds in these departments: they wait in the queue again. */
  async requeueHeldBy(tx: Tx, agentId: string, departments: string[] | null, reason: string): Promise<void> {
    for (const held of await this.repository.heldBy(tx.manager, agentId, departments)) {
      await this.record(
        tx,
        held,
        held.department,
        held.urgencyDue,
        { agentId: null, anyRoom: false },
        {
          by: 'requeue',
          actor: null,
          reason,
          bumpVersion: true,
          previous: { department: held.department, assignee: agentId },
        },
      );
    }
  }

  private async drainLocked(tx: Tx, department: string): Promise<number> {
    let assigned = 0;
    for (;;) {
      const batch = await this.repository.queued(tx.manager, department, QUEUE_BATCH);
      let round = 0;
      for (const ticket of batch) {
        const choice = await this.choose(tx.manager, department, ticket, ticket.avoidAgent ?? null);
        if (!choice.agentId) {
          if (!choice.anyRoom) return assigned + round;
          continue; // this one needs skills nobody with room has; the next may not
        }
        await this.record(tx, ticket, department, new Date(), choice, {
          by: 'queue',
          actor: null,
          bumpVersion: true,
        });
        round += 1;
      }
      assigned += round;
      if (batch.length < QUEUE_BATCH || round === 0) return assigned;
    }
  }

  /**
   * A supervisor's choice of agent (reassign): an active agent or supervisor of the department, on shift or
   * not, but never beyond their capacity. The caller holds the department lock.
   */
  async assignChosen(
    tx: Tx,
    ticket: DispatchTicket,
    department: string,
    urgencyDue: Date,
    agentId: string,
    context: AssignmentContext,
  ): Promise<void> {
    const agent = await this.repository.lockAgent(tx.manager, agentId);
    const member =
      agent?.active &&
      agent.departmentIds.includes(department) &&
      (agent.roles.includes('agent') || agent.roles.includes('supervisor'));
    if (!agent || !member) {
      throw new DomainError('VALIDATION_FAILED', 'the agent cannot take tickets of this department', [
        { field: 'assigneeId', message: `${agentId} is not an active agent of ${department}` },
      ]);
    }
    const held = context.previous?.assignee === agentId ? 1 : 0;
    const load = ((await this.repository.loads(tx.manager, [agentId])).get(agentId) ?? 0) - held;
    if (load >= agent.capacity) {
      throw new DomainError(
        'ASSIGNMENT.AGENT_AT_CAPACITY',
        `${agentId} has ${load} open tickets and a capacity of ${agent.capacity}`,
      );
    }
    await this.record(
      tx,
      ticket,
      department,
      urgencyDue,
      { agentId, via: 'supervisor', anyRoom: true },
      context,
    );
  }

  /** The agent for this ticket (caller holds the department lock), with their row locked; or none. */
  private async choose(
    manager: EntityManager,
    department: string,
    ticket: DispatchTicket,
    exclude: string | null = null,
  ): Promise<Choice> {
    const config = (await this.repository.departmentConfig(manager, department)) ?? UNKNOWN_DEPARTMENT;
    const team = await this.repository.candidates(manager, department);
    const loads = await this.repository.loads(
      manager,
      team.map((agent) => agent.userId),
    );
    const everyone: Candidate[] = team.map((agent) => ({ ...agent, load: loads.get(agent.userId) ?? 0 }));
    // Room anywhere keeps a drain going, even where this ticket must avoid the one who has it.
    const anyRoom = everyone.some((candidate) => candidate.load < candidate.capacity);
    const candidates = everyone.filter((candidate) => candidate.userId !== exclude);
    const options: { agentId: string; via: AssignedVia }[] = [];
    if (config.preferPreviousAgent && ticket.customerId) {
      // C9: someone who knows the customer's history, when they are on shift here and have room.
      for (const agentId of await this.repository.previousAgents(manager, ticket.customerId, ticket.id)) {
        const candidate = candidates.find((c) => c.userId === agentId);
        if (candidate && isEligible(candidate, ticket.requiredSkills)) {
          options.push({ agentId, via: 'previous_agent' });
          break;
        }
      }
    }
    const lastAgent = await this.repository.lastAgent(manager, department);
    for (const candidate of rankCandidates(config.strategy, candidates, ticket.requiredSkills, lastAgent)) {
      if (!options.some((option) => option.agentId === candidate.userId)) {
        options.push({ agentId: candidate.userId, via: config.strategy });
      }
    }
    for (const option of options) {
      // Locked, then counted again: another department may have just given them a ticket.
      const agent = await this.repository.lockAgent(manager, option.agentId);
      if (!agent || !agent.active || agent.availability !== 'on_shift') continue;
      if (!agent.departmentIds.includes(department) || !agent.roles.includes('agent')) continue;
      const load = (await this.repository.loads(manager, [option.agentId])).get(option.agentId) ?? 0;
      if (isEligible({ ...agent, load }, ticket.requiredSkills)) {
        if (option.via !== 'previous_agent')
          await this.repository.recordTurn(manager, department, option.agentId);
        return { agentId: option.agentId, via: option.via, anyRoom };
      }
    }
    return { agentId: null, anyRoom };
  }

  /** Writes the outcome: dispatch row, the ticket's department and assignee, history, `ticket.assigned.v1`. */
  private async record(
    tx: Tx,
    ticket: DispatchTicket,
    department: string,
    urgencyDue: Date,
    choice: Choice,
    context: AssignmentContext,
  ): Promise<void> {
    const at = new Date();
    const dispatch = {
      ticketId: ticket.id,
      ticketNo: ticket.ticketNo,
      department,
      assignee: choice.agentId,
      requiredSkills: ticket.requiredSkills,
      urgencyDue,
      avoidAgent: ticket.avoidAgent ?? null,
    };
    if (context.bornIn === department && !choice.agentId) {
      // Opened and queued where it was born: its row is right as inserted, its dispatch row is new.
      this.repository.deferNewQueued(tx, dispatch, at);
    } else {
      await this.repository.moveDispatch(tx.manager, dispatch);
      await this.repository.updateTicket(
        tx.manager,
        ticket.id,
        department,
        choice.agentId,
        context.bumpVersion,
      );
    }
    deferTicketHistory(tx, {
      ticketId: ticket.id,
      at,
      actor: context.actor,
      action: choice.agentId ? 'assigned' : 'queued',
      data: {
        department,
        assignee: choice.agentId,
        by: context.by,
        ...(choice.via ? { via: choice.via } : {}),
        ...(context.rule !== undefined ? { rule: context.rule } : {}),
        ...(ticket.requiredSkills.length > 0 ? { requiredSkills: ticket.requiredSkills } : {}),
        ...(context.reason ? { reason: context.reason } : {}),
        ...(context.previous ? { from: context.previous } : {}),
      },
    });
    await tx.publish(TicketEvents.assigned, {
      ticketId: ticket.id,
      ticketNo: ticket.ticketNo,
      department,
      assigneeId: choice.agentId,
      assignedAt: at.toISOString(),
      by: context.by,
      ...(context.previous
        ? { previousDepartment: context.previous.department, previousAssigneeId: context.previous.assignee }
        : {}),
      ...(context.actor ? { actorId: context.actor } : {}),
    });
    log.info(
      { ticketNo: ticket.ticketNo, department, assignee: choice.agentId, by: context.by, via: choice.via },
      choice.agentId ? 'ticket assigned' : 'ticket queued',
    );
  }
}
