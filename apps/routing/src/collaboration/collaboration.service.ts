import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  hasRole,
  TicketCollaborationEvents,
  type Caller,
  type CollaborationView,
  type CompleteCollaborationRequest,
  type FieldError,
  type ListCollaborationsRequest,
  type RequestCollaborationRequest,
} from '@closeloop/contracts';
import type { EntityManager } from 'typeorm';
import { OUT_OF_LOAD } from '../dispatch/assignment.repository';
import { OrgDirectoryService } from '../org/org-directory.service';
import type { TicketEntity } from '../tickets/entities/ticket.entity';
import { mayAct, maySee } from '../tickets/ticket-access';
import { TicketRepository } from '../tickets/ticket.repository';
import { insertTicketHistory } from '../ticket-history/ticket-history';
import { CollaborationRepository } from './collaboration.repository';
import type { TicketCollaborationEntity } from './entities/ticket-collaboration.entity';

const log = createLogger('collaborations');

/**
 * R3: "a ticket may pull in collaborating departments, each with its own task, owner and deadline". Whoever
 * may work the ticket (its agent, its department's supervisors, admins) pulls a department in; the
 * collaborating department's people (or the ticket's supervisors, or an admin) complete the task. Each step
 * is in the ticket's history and emits a `ticket.collaboration-*.v1` event, in one transaction.
 */
@Injectable()
export class CollaborationService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tickets: TicketRepository,
    private readonly directory: OrgDirectoryService,
    private readonly repository: CollaborationRepository,
  ) {}

  async request(request: RequestCollaborationRequest): Promise<CollaborationView & { replayed: boolean }> {
    const { caller, ticketNo, input, idempotencyKey } = request;
    const now = new Date();
    const result = await this.uow.run(async (tx) => {
      // The ticket's row lock orders this with lifecycle changes and with a retry of the same request.
      const ticket = await this.visibleTicket(tx.manager, caller, ticketNo);
      if (!mayAct(caller, ticket) || !hasRole(caller, 'admin', 'supervisor', 'agent')) {
        throw new DomainError('FORBIDDEN', 'your role may read this ticket but not change it');
      }
      if (idempotencyKey) {
        const first = await this.repository.byKey(tx.manager, ticket.id, idempotencyKey);
        if (first) return { collaboration: this.replay(first, input), replayed: true };
      }
      if (OUT_OF_LOAD.includes(ticket.status)) {
        throw new DomainError(
          'TICKET.INVALID_TRANSITION',
          `ticket ${ticketNo} is ${ticket.status}: no new tasks`,
        );
      }
      const problems = await this.check(
        tx.manager,
        ticket,
        input.department,
        input.ownerId,
        new Date(input.dueAt),
        now,
      );
      if (problems.length > 0)
        throw new DomainError('VALIDATION_FAILED', 'the collaboration is invalid', problems);
      const collaboration: TicketCollaborationEntity = {
        id: randomUUID(),
        ticketId: ticket.id,
        ticketNo,
        department: input.department,
        task: input.task,
        ownerId: input.ownerId ?? null,
        dueAt: new Date(input.dueAt),
        status: 'open',
        requestedBy: caller.userId,
        requestedAt: now,
        idempotencyKey: idempotencyKey ?? null,
        completedBy: null,
        completedAt: null,
        outcome: null,
      };
      await this.repository.insertIfNew(tx.manager, collaboration);
      await insertTicketHistory(tx.manager, {
        ticketId: ticket.id,
        at: now,
        actor: caller.userId,
        action: 'collaboration_requested',
        data: {
          collaborationId: collaboration.id,
          department: collaboration.department,
          ownerId: collaboration.ownerId,
          dueAt: collaboration.dueAt.toISOString(),
          task: collaboration.task,
        },
      });
      await tx.publish(TicketCollaborationEvents.requested, {
        ticketId: ticket.id,
        ticketNo,
        collaborationId: collaboration.id,
        department: collaboration.department,
        ownerId: collaboration.ownerId,
        dueAt: collaboration.dueAt.toISOString(),
        actorId: caller.userId,
        requestedAt: now.toISOString(),
      });
      return { collaboration, replayed: false };
    });
    if (!result.replayed) {
      log.info({ ticketNo, department: input.department, actor: caller.userId }, 'collaboration requested');
    }
    return { ...view(result.collaboration, now), replayed: result.replayed };
  }

  async complete(request: CompleteCollaborationRequest): Promise<CollaborationView> {
    const { caller, ticketNo, collaborationId, input } = request;
    const now = new Date();
    const done = await this.uow.run(async (tx) => {
      const ticket = await this.tickets.lockByNumber(tx.manager, ticketNo);
      const collaboration = ticket
        ? await this.repository.lock(tx.manager, collaborationId, ticket.id)
        : null;
      const member = collaboration !== null && inDepartment(caller, collaboration.department);
      if (!ticket || !collaboration || (!maySee(caller, ticket) && !member)) {
        throw new DomainError(
          'COLLABORATION.NOT_FOUND',
          `no collaboration ${collaborationId} on ticket ${ticketNo}`,
        );
      }
      const ticketSupervisor = hasRole(caller, 'supervisor') && mayAct(caller, ticket);
      if (!(
        hasRole(caller, 'admin') ||
        collaboration.ownerId === caller.userId ||
        member ||
        ticketSupervisor
      )) {
        throw new DomainError(
          'FORBIDDEN',
          'the collaborating department, its owner or the ticket’s supervisors complete it',
        );
      }
      if (collaboration.status === 'done') {
        throw new DomainError(
          'COLLABORATION.ALREADY_DONE',
          `completed at ${collaboration.completedAt?.toISOString()}`,
        );
      }
      const completion = { completedBy: caller.userId, completedAt: now, outcome: input.outcome };
      await this.repository.complete(tx.manager, collaboration.id, completion);
      const completed: TicketCollaborationEntity = { ...collaboration, ...completion, status: 'done' };
      const onTime = now <= collaboration.dueAt;
      await insertTicketHistory(tx.manager, {
        ticketId: ticket.id,
        at: now,
        actor: caller.userId,
        action: 'collaboration_completed',
        data: { collaborationId, department: collaboration.department, onTime, outcome: input.outcome },
      });
      await tx.publish(TicketCollaborationEvents.completed, {
        ticketId: ticket.id,
        ticketNo,
        collaborationId,
        department: collaboration.department,
        dueAt: collaboration.dueAt.toISOString(),
        actorId: caller.userId,
        completedAt: now.toISOString(),
        onTime,
      });
      return completed;
    });
    log.info({ ticketNo, collaborationId, actor: caller.userId }, 'collaboration completed');
    return view(done, now);
  }

  /** Everything for those who may see the ticket; a collaborating department's people see their own tasks. */
  async list(request: ListCollaborationsRequest): Promise<CollaborationView[]> {
    const { caller, ticketNo } = request;
    const ticket = await this.tickets.findByNumber(ticketNo);
    if (!ticket) throw new DomainError('TICKET.NOT_FOUND', `no ticket ${ticketNo}`);
    const all = await this.repository.ofTicket(ticket.id);
    const now = new Date();
    if (maySee(caller, ticket)) return all.map((c) => view(c, now));
    const own = all.filter((c) => inDepartment(caller, c.department));
    if (own.length === 0) throw new DomainError('TICKET.NOT_FOUND', `no ticket ${ticketNo}`);
    return own.map((c) => view(c, now));
  }

  private async visibleTicket(
    manager: EntityManager,
    caller: Caller,
    ticketNo: string,
  ): Promise<TicketEntity> {
    const ticket = await this.tickets.lockByNumber(manager, ticketNo);
    if (!ticket || !maySee(caller, ticket))
      throw new DomainError('TICKET.NOT_FOUND', `no ticket ${ticketNo}`);
    return ticket;
  }

  private async check(
    manager: EntityManager,
    ticket: TicketEntity,
    departmentId: string,
    ownerId: string | undefined,
    dueAt: Date,
    now: Date,
  ): Promise<FieldError[]> {
    const problems: FieldError[] = [];
    const department = await this.directory.department(manager, departmentId);
    if (!department?.active) {
      problems.push({ field: 'department', message: `${departmentId} is not an active department` });
    } else if (departmentId === ticket.department) {
      problems.push({
        field: 'department',
        message: 'the ticket is already in this department: reassign instead',
      });
    }
    if (ownerId) {
      const owner = await this.directory.agent(manager, ownerId);
      if (!owner?.active || !owner.departmentIds.includes(departmentId)) {
        problems.push({ field: 'ownerId', message: `${ownerId} is not an active member of ${departmentId}` });
      }
    }
    if (dueAt <= now) problems.push({ field: 'dueAt', message: 'must be in the future' });
    return problems;
  }

  /** The first answer to a retried request, if it asked the same; a different body with the key is refused. */
  private replay(
    first: TicketCollaborationEntity,
    input: RequestCollaborationRequest['input'],
  ): TicketCollaborationEntity {
    const same =
      first.department === input.department &&
      first.task === input.task &&
      first.ownerId === (input.ownerId ?? null) &&
      first.dueAt.getTime() === new Date(input.dueAt).getTime();
    if (!same) throw new DomainError('IDEMPOTENCY.KEY_REUSED');
    return first;
  }
}

function inDepartment(caller: Caller, department: string): boolean {
  return hasRole(caller, 'supervisor', 'agent') && caller.departments.includes(department);
}

function view(c: TicketCollaborationEntity, now: Date): CollaborationView {
  return {
    id: c.id,
    ticketNo: c.ticketNo,
    department: c.department,
    task: c.task,
    ownerId: c.ownerId,
    dueAt: c.dueAt.toISOString(),
    status: c.status,
    requestedBy: c.requestedBy,
    requestedAt: c.requestedAt.toISOString(),
    completedBy: c.completedBy,
    completedAt: c.completedAt?.toISOString() ?? null,
    outcome: c.outcome,
    onTime: (c.completedAt ?? now) <= c.dueAt,
  };
}
