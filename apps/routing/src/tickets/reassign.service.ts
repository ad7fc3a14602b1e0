import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { retryTransient } from '@closeloop/persistence';
import { DomainError, type ReassignTicketRequest, type TicketAssignmentView } from '@closeloop/contracts';
import { OrgDirectoryService } from '../org/org-directory.service';
import { lockForChange, requireIfMatch } from './ticket-change-guard';
import { TicketRepository } from './ticket.repository';
import { AssignmentRepository, FINAL } from '../dispatch/assignment.repository';
import { AssignmentService } from '../dispatch/assignment.service';

const log = createLogger('reassign');

/**
 * R3: a supervisor (or admin) moves a ticket to a department, and to a chosen agent there or to whoever the
 * department's strategy picks (else its queue), with a stated reason; against the version they read
 * (If-Match), with history and `ticket.assigned.v1` (by `reassign`). The previous agent's freed capacity
 * goes to their departments' queues in the same transaction.
 */
@Injectable()
export class ReassignService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tickets: TicketRepository,
    private readonly directory: OrgDirectoryService,
    private readonly repository: AssignmentRepository,
    private readonly assignment: AssignmentService,
  ) {}

  async reassign(request: ReassignTicketRequest): Promise<TicketAssignmentView> {
    const { caller, ticketNo, input } = request;
    requireIfMatch(request);
    // A deadlock victim is tried again (see TicketLifecycleService.change).
    const view = await retryTransient(() =>
      this.uow.run(async (tx) => {
        const ticket = await lockForChange(this.tickets, tx.manager, request, {
          roles: ['admin', 'supervisor'],
          message: 'reassigning is for supervisors of the ticket’s department and admins',
        });
        if (FINAL.includes(ticket.status)) {
          throw new DomainError(
            'TICKET.INVALID_TRANSITION',
            `ticket ${ticketNo} is ${ticket.status}: nothing to reassign`,
          );
        }
        const target = await this.directory.department(tx.manager, input.department);
        if (!target?.active) {
          throw new DomainError('VALIDATION_FAILED', 'no such department', [
            { field: 'department', message: `${input.department} is not an active department` },
          ]);
        }
        const previous = { department: ticket.department, assignee: ticket.assignee };
        // Every department this transaction will touch, locked first and in order (see AssignmentService).
        const freed = previous.assignee
          ? await this.repository.agentDepartments(tx.manager, previous.assignee)
          : [];
        await this.repository.lockDepartments(tx.manager, [input.department, ...freed]);
        const dispatched = await this.repository.lockDispatch(tx.manager, ticket.id);
        // The required skills came with the rule that chose the old department; a new one decides afresh.
        const requiredSkills = dispatched?.department === input.department ? dispatched.requiredSkills : [];
        const moving = { id: ticket.id, ticketNo, customerId: ticket.customerId, requiredSkills };
        const context = {
          by: 'reassign' as const,
          actor: caller.userId,
          reason: input.reason,
          previous,
          bumpVersion: true,
        };
        let assignee: string | null = input.assigneeId ?? null;
        if (assignee) {
          await this.assignment.assignChosen(
            tx,
            moving,
            input.department,
            ticket.dueFirstResponse,
            assignee,
            context,
          );
        } else {
          // "Someone else, please": the strategy picks among the others, and while it waits the queue too.
          assignee = await this.assignment.place(
            tx,
            { ...moving, avoidAgent: previous.assignee },
            input.department,
            ticket.dueFirstResponse,
            context,
            previous.assignee,
          );
        }
        if (previous.assignee && previous.assignee !== assignee) await this.assignment.drain(tx, freed);
        const after = await this.tickets.lockByNumber(tx.manager, ticketNo);
        return {
          ticketNo,
          status: after!.status,
          department: input.department,
          assignee,
          version: after!.version,
        };
      }),
    );
    log.info(
      { ticketNo, department: view.department, assignee: view.assignee, actor: caller.userId },
      'ticket reassigned',
    );
    return view;
  }
}
