import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { retryTransient } from '@closeloop/persistence';
import {
  type ArchiveTicketDto,
  type CloseTicketDto,
  type ConfirmTicketDto,
  type ObjectTicketDto,
  type PauseTicketDto,
  type PlanTicketDto,
  type ProgressTicketDto,
  type ReclassifyTicketDto,
  type RespondTicketDto,
  type ResolveTicketDto,
  type ResumeTicketDto,
  type Role,
  type TicketAmountsDto,
  type TicketCommand,
  type TicketView,
} from '@closeloop/contracts';
import { AssignmentService } from '../dispatch/assignment.service';
import { rulesFor, type SlaRulesSnapshot } from './sla-rules';
import { SlaRulesService } from './sla-rules.service';
import type { TicketEntity } from './entities/ticket.entity';
import { lockForChange, requireIfMatch } from './ticket-change-guard';
import { TicketRepository } from './ticket.repository';
import { TicketService } from './ticket.service';
import { TicketWriter } from './ticket.writer';
import * as transitions from './transitions';

const log = createLogger('ticket-lifecycle');

/** A confirmation link's single-use secret: 128 random bits, URL-safe (22 characters). */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** A change to the draft; `tx` and `snapshot` for the transitions that need more than the ticket. */
type Transition = (
  draft: TicketEntity,
  ctx: transitions.ChangeContext,
  env: { tx: Tx; snapshot: SlaRulesSnapshot },
) => transitions.Change | Promise<transitions.Change>;

interface ChangeOptions {
  /** Roles beyond the ticket's own access rule (mayAct). */
  roles?: Role[];
  /** Runs in the transaction after the change was written (the ticket row is still locked). */
  after?: (tx: Tx, changed: TicketEntity) => Promise<unknown>;
}

/**
 * Staff changes to a ticket (R4-R6, R8, R9): each under the ticket's row lock, against the version the
 * caller read (If-Match), authorized against the caller, and committed with its history, SLA record and
 * `ticket.*` event.
 */
@Injectable()
export class TicketLifecycleService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tickets: TicketRepository,
    private readonly writer: TicketWriter,
    private readonly rules: SlaRulesService,
    private readonly queries: TicketService,
    private readonly assignment: AssignmentService,
  ) {}

  respond(command: TicketCommand<RespondTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.respond(t, ctx, command.input));
  }

  plan(command: TicketCommand<PlanTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.plan(t, ctx, command.input));
  }

  progress(command: TicketCommand<ProgressTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.progress(t, ctx, command.input));
  }

  resolve(command: TicketCommand<ResolveTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.resolve(t, ctx, command.input));
  }

  /** An agent records the customer's confirmation (by phone, in the store, …). */
  confirm(command: TicketCommand<ConfirmTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.confirm(t, ctx, 'agent', command.input));
  }

  /** An agent records the customer's objection: the ticket reopens. */
  object(command: TicketCommand<ObjectTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.object(t, ctx, 'agent', command.input));
  }

  close(command: TicketCommand<CloseTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.close(t, ctx, command.input));
  }

  pause(command: TicketCommand<PauseTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.pause(t, ctx, command.input));
  }

  resume(command: TicketCommand<ResumeTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.resume(t, ctx, command.input));
  }

  /** Filing is a supervisor's decision (the sweep also archives after `archiveAfterDays`). */
  archive(command: TicketCommand<ArchiveTicketDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.archive(t, ctx, command.input), {
      roles: ['admin', 'supervisor'],
    });
  }

  amounts(command: TicketCommand<TicketAmountsDto>): Promise<TicketView> {
    return this.change(command, (t, ctx) => transitions.setAmounts(t, ctx, command.input));
  }

  /**
   * I4: an agent corrects the classification; a new level or type re-promises the open due times (R1, R2)
   * and the dispatch rules may send the ticket to another department (R3), all in one transaction.
   */
  reclassify(command: TicketCommand<ReclassifyTicketDto>): Promise<TicketView> {
    return this.change(
      command,
      async (t, ctx, { tx, snapshot }) =>
        transitions.reclassify(t, ctx, command.input, {
          sla: snapshot.sla,
          calendars: snapshot.calendars,
          ...(await this.tickets.roundPast(tx.manager, t)),
        }),
      {
        after: (tx, changed) =>
          this.assignment.redispatch(tx, changed, command.caller.userId, command.input.reason),
      },
    );
  }

  private async change<T>(
    command: TicketCommand<T>,
    transition: Transition,
    { roles, after }: ChangeOptions = {},
  ): Promise<TicketView> {
    const { caller, ticketNo } = command;
    requireIfMatch(command);
    const now = new Date();
    // A deadlock victim is tried again: the rolled-back attempt changed nothing; If-Match is checked anew.
    const action = await retryTransient(() =>
      this.uow.run(async (tx) => {
        const ticket = await lockForChange(this.tickets, tx.manager, command, {
          roles,
          message: 'your role may read this ticket but not change it',
        });
        const snapshot = await this.rules.read(tx.manager);
        const draft: TicketEntity = { ...ticket };
        const change = await transition(
          draft,
          { now, actor: caller.userId, rules: rulesFor(snapshot, ticket), newNonce },
          { tx, snapshot },
        );
        await this.writer.write(tx, ticket, draft, change, snapshot, now, caller.userId);
        if (after) await after(tx, draft);
        return change.action;
      }),
    );
    log.info({ ticketNo, action, actor: caller.userId }, 'ticket changed');
    return this.queries.afterChange(ticketNo);
  }
}
