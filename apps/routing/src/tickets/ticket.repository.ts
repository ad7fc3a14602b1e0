import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import { DeferredInsert, insertRows } from '@closeloop/messaging';
import type { Level, SlaState, TicketStatus } from '@closeloop/contracts';
import { TicketHistoryEntity } from '../ticket-history/entities/ticket-history.entity';
import { TicketEntity } from './entities/ticket.entity';
import type { Visibility } from './ticket-access';

/** Opening tickets (insertNew): a feedback that has its ticket already is skipped. */
const INSERT_TICKET = new DeferredInsert<NewTicketRow & Pick<TicketEntity, 'version'>, { id: string }>(
  'routing.tickets',
  {
    id: 'id',
    ticketNo: 'ticket_no',
    feedbackId: 'feedback_id',
    customerId: 'customer_id',
    type: 'type',
    category: 'category',
    level: 'level',
    status: 'status',
    department: 'department',
    assignee: 'assignee',
    slaPolicy: 'sla_policy',
    slaCalendar: 'sla_calendar',
    slaTargets: { column: 'sla_targets', json: true },
    receivedAt: 'received_at',
    dueFirstResponse: 'due_first_response',
    duePlan: 'due_plan',
    dueResolution: 'due_resolution',
    nextProgressDue: 'next_progress_due',
    nextDueAt: 'next_due_at',
    nextAlertAt: 'next_alert_at',
    channel: 'channel',
    segment: 'segment',
    version: 'version',
  },
  'ON CONFLICT DO NOTHING RETURNING id',
);

export type TicketState = Omit<
  TicketEntity,
  | 'id'
  | 'ticketNo'
  | 'feedbackId'
  | 'channel'
  | 'segment'
  | 'receivedAt'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
>;

/** What opening a ticket writes (the rest: defaults, and version 1). */
export type NewTicketRow = Pick<
  TicketEntity,
  | 'id'
  | 'ticketNo'
  | 'feedbackId'
  | 'customerId'
  | 'type'
  | 'category'
  | 'level'
  | 'channel'
  | 'segment'
  | 'status'
  | 'department'
  | 'assignee'
  | 'slaPolicy'
  | 'slaCalendar'
  | 'slaTargets'
  | 'receivedAt'
  | 'dueFirstResponse'
  | 'duePlan'
  | 'dueResolution'
  | 'nextProgressDue'
  | 'nextDueAt'
  | 'nextAlertAt'
>;

export interface TicketFilter {
  status?: TicketStatus[];
  level?: Level;
  department?: string;
  assignee?: string;
  customerId?: string;
  dueBefore?: Date;
  slaState?: SlaState;
}

/** Where a page starts: after this row in the chosen order. */
export type TicketCursor =
  { sort: 'received'; receivedAt: Date; id: string } | { sort: 'due'; nextDueAt: Date | null; id: string };

const WORKING = ['new', 'classified', 'assigned', 'in_progress', 'reopened'];

@Injectable()
export class TicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the tickets in one statement, skipping any whose feedback already has one; returns the ids of
   * those this call created.
   */
  async insertNew(manager: EntityManager, tickets: NewTicketRow[]): Promise<Set<string>> {
    // Plain SQL on this hot path: TypeORM's insert builder cost more CPU than the rest of the handler.
    const rows = await insertRows(
      manager,
      INSERT_TICKET,
      tickets.map((ticket) => ({ ...ticket, version: 1 })),
    );
    return new Set(rows.map((row) => row.id));
  }

  async findByNumber(ticketNo: string): Promise<TicketEntity | null> {
    return this.dataSource.getRepository(TicketEntity).findOneBy({ ticketNo });
  }

  async history(ticketId: string): Promise<TicketHistoryEntity[]> {
    return this.dataSource
      .getRepository(TicketHistoryEntity)
      .find({ where: { ticketId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /**
   * The current round of a ticket from its history (R6): when it began (receipt, or the last objection) and
   * the pauses that ended since, oldest first (a `resumed` entry records how long the pause was).
   */
  async roundPast(
    manager: EntityManager,
    ticket: Pick<TicketEntity, 'id' | 'receivedAt'>,
  ): Promise<{ roundStartedAt: Date; pauses: { from: Date; to: Date }[] }> {
    const rows: { action: string; at: Date; paused_ms: string | null }[] = await manager.query(
      `SELECT action, at, data->>'pausedMs' AS paused_ms FROM routing.ticket_history
       WHERE ticket_id = $1 AND action IN ('objected', 'resumed') ORDER BY at, id`,
      [ticket.id],
    );
    let roundStartedAt = ticket.receivedAt;
    let pauses: { from: Date; to: Date }[] = [];
    for (const row of rows) {
      if (row.action === 'objected') {
        roundStartedAt = row.at;
        pauses = [];
      } else if (Number(row.paused_ms) > 0) {
        pauses.push({ from: new Date(row.at.getTime() - Number(row.paused_ms)), to: row.at });
      }
    }
    return { roundStartedAt, pauses };
  }

  /** The ticket, locked until the transaction ends: changes to one ticket happen one after another. */
  async lockByNumber(manager: EntityManager, ticketNo: string): Promise<TicketEntity | null> {
    return manager
      .getRepository(TicketEntity)
      .findOne({ where: { ticketNo }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Writes the ticket's changeable columns. `bumpVersion` for changes a user acts on (status, due times,
   * plan, amounts): they invalidate the ETag. The sweep's bookkeeping (next alert, escalation level) does
   * not, so a warning never makes an agent's If-Match stale.
   */
  async saveState(
    manager: EntityManager,
    ticket: TicketEntity,
    state: TicketState,
    bumpVersion: boolean,
  ): Promise<number> {
    const version = bumpVersion ? ticket.version + 1 : ticket.version;
    await manager.getRepository(TicketEntity).update({ id: ticket.id }, { ...state, version });
    return version;
  }

  /** One page of tickets the caller may see, in a stable order (keyset pagination on unique keys). */
  async list(
    visibility: Visibility,
    filter: TicketFilter,
    now: Date,
    dueSoonMs: number,
    sort: 'received' | 'due',
    after: TicketCursor | null,
    limit: number,
  ): Promise<TicketEntity[]> {
    const query = this.dataSource.getRepository(TicketEntity).createQueryBuilder('t');
    if (!visibility.all) {
      query.andWhere(
        new Brackets((scope) => {
          scope
            .where('t.department IS NULL')
            .orWhere('t.department = ANY(:departments)', { departments: visibility.departments })
            .orWhere('t.assignee = :me', { me: visibility.userId });
        }),
      );
    }
    if (filter.status?.length) query.andWhere('t.status IN (:...status)', { status: filter.status });
    if (filter.level) query.andWhere('t.level = :level', { level: filter.level });
    if (filter.department) query.andWhere('t.department = :department', { department: filter.department });
    if (filter.assignee) query.andWhere('t.assignee = :assignee', { assignee: filter.assignee });
    if (filter.customerId) query.andWhere('t.customerId = :customerId', { customerId: filter.customerId });
    if (filter.dueBefore) query.andWhere('t.nextDueAt < :dueBefore', { dueBefore: filter.dueBefore });
    const soon = new Date(now.getTime() + dueSoonMs);
    switch (filter.slaState) {
      case undefined:
        break;
      case 'breached':
        query.andWhere('t.nextDueAt <= :now', { now });
        break;
      case 'due_soon':
        query.andWhere('t.nextDueAt > :now AND t.nextDueAt <= :soon', { now, soon });
        break;
      case 'paused':
        query.andWhere(
          't.pausedAt IS NOT NULL AND t.status IN (:...working) AND (t.nextDueAt IS NULL OR t.nextDueAt > :now)',
          { working: WORKING, now },
        );
        break;
      case 'on_track':
        query.andWhere('(t.nextDueAt IS NULL OR t.nextDueAt > :soon)', { soon });
        query.andWhere('NOT (t.pausedAt IS NOT NULL AND t.status IN (:...working))', { working: WORKING });
        break;
    }
    if (sort === 'received') {
      if (after?.sort === 'received') {
        query.andWhere('(t.receivedAt, t.id) < (:afterAt, :afterId)', {
          afterAt: after.receivedAt,
          afterId: after.id,
        });
      }
      query.orderBy('t.receivedAt', 'DESC').addOrderBy('t.id', 'DESC');
    } else {
      if (after?.sort === 'due') {
        if (after.nextDueAt === null) {
          query.andWhere('t.nextDueAt IS NULL AND t.id > :afterId', { afterId: after.id });
        } else {
          query.andWhere('((t.nextDueAt, t.id) > (:afterDue, :afterId) OR t.nextDueAt IS NULL)', {
            afterDue: after.nextDueAt,
            afterId: after.id,
          });
        }
      }
      query.orderBy('t.nextDueAt', 'ASC', 'NULLS LAST').addOrderBy('t.id', 'ASC');
    }
    return query.take(limit).getMany();
  }
}
