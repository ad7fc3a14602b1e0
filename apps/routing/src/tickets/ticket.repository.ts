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
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(TicketEntity)
      .values({ ...ticket, version: 1 })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
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
