import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { TicketCollaborationEntity } from './entities/ticket-collaboration.entity';

/** SQL of collaborations (R3). */
@Injectable()
export class CollaborationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts unless the ticket already has one with this idempotency key; true when this call created it. */
  async insertIfNew(manager: EntityManager, collaboration: TicketCollaborationEntity): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(TicketCollaborationEntity)
      .values(collaboration)
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  byKey(
    manager: EntityManager,
    ticketId: string,
    idempotencyKey: string,
  ): Promise<TicketCollaborationEntity | null> {
    return manager.getRepository(TicketCollaborationEntity).findOneBy({ ticketId, idempotencyKey });
  }

  lock(manager: EntityManager, id: string, ticketId: string): Promise<TicketCollaborationEntity | null> {
    return manager
      .getRepository(TicketCollaborationEntity)
      .findOne({ where: { id, ticketId }, lock: { mode: 'pessimistic_write' } });
  }

  async complete(
    manager: EntityManager,
    id: string,
    completion: { completedBy: string; completedAt: Date; outcome: string },
  ): Promise<void> {
    await manager.getRepository(TicketCollaborationEntity).update({ id }, { ...completion, status: 'done' });
  }

  ofTicket(
    ticketId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TicketCollaborationEntity[]> {
    return manager
      .getRepository(TicketCollaborationEntity)
      .find({ where: { ticketId }, order: { requestedAt: 'ASC', id: 'ASC' } });
  }
}
