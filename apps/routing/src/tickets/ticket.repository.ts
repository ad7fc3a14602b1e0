import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { TicketHistoryEntity } from './entities/ticket-history.entity';
import { TicketEntity } from './entities/ticket.entity';

@Injectable()
export class TicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the ticket unless one exists for the feedback; true when this call created it. */
  async insertIfNew(
    manager: EntityManager,
    ticket: Omit<TicketEntity, 'createdAt' | 'updatedAt' | 'version'>,
  ): Promise<boolean> {
    // Plain SQL on this hot path: TypeORM's insert builder cost more CPU than the rest of the handler.
    const rows: unknown[] = await manager.query(
      `INSERT INTO routing.tickets (id, ticket_no, feedback_id, customer_id, type, category, level, status,
         department, assignee, sla_policy, received_at, due_first_response, due_plan, due_resolution,
         next_progress_due, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        ticket.id,
        ticket.ticketNo,
        ticket.feedbackId,
        ticket.customerId,
        ticket.type,
        ticket.category,
        ticket.level,
        ticket.status,
        ticket.department,
        ticket.assignee,
        ticket.slaPolicy,
        ticket.receivedAt,
        ticket.dueFirstResponse,
        ticket.duePlan,
        ticket.dueResolution,
        ticket.nextProgressDue,
      ],
    );
    return rows.length > 0;
  }

  async addHistory(manager: EntityManager, entry: Omit<TicketHistoryEntity, 'id'>): Promise<void> {
    await manager.query(
      `INSERT INTO routing.ticket_history (ticket_id, at, actor, action, data) VALUES ($1, $2, $3, $4, $5)`,
      [entry.ticketId, entry.at, entry.actor, entry.action, JSON.stringify(entry.data)],
    );
  }

  async findByNumber(
    ticketNo: string,
  ): Promise<{ ticket: TicketEntity; history: TicketHistoryEntity[] } | null> {
    const ticket = await this.dataSource.getRepository(TicketEntity).findOneBy({ ticketNo });
    if (!ticket) return null;
    const history = await this.dataSource
      .getRepository(TicketHistoryEntity)
      .find({ where: { ticketId: ticket.id }, order: { at: 'ASC', id: 'ASC' } });
    return { ticket, history };
  }
}
