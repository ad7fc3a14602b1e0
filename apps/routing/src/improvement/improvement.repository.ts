import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeferredInsert, insertRows } from '@closeloop/messaging';
import type { FeedbackType, ImprovementStatus, PriorityBand } from '@closeloop/contracts';
import { ImprovementCaseHistoryEntity } from './entities/improvement-case-history.entity';
import { ImprovementCaseEntity } from './entities/improvement-case.entity';

/** What the tickets of a run add up to (R8). */
export interface RunFigures {
  ticketCount: number;
  customerIds: string[];
  departments: string[];
  amountAtStakeFen: number;
}

/** A period of a periodic job, claimed once: the row comes back only for the claim that wrote it. */
const CLAIM_RUN = new DeferredInsert<{ job: string; period: string; ranAt: Date }, { job: string }>(
  'routing.scheduled_runs',
  { job: 'job', period: 'period', ranAt: 'ran_at' },
  'ON CONFLICT DO NOTHING RETURNING job',
);

const INSERT_HISTORY = new DeferredInsert<Omit<ImprovementCaseHistoryEntity, 'id'>>(
  'routing.improvement_case_history',
  { caseId: 'case_id', at: 'at', actor: 'actor', action: 'action', data: { column: 'data', json: true } },
);

/** SQL of improvement cases and of the ticket counts that open them. */
@Injectable()
export class ImprovementRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Claims a period of a periodic job for this transaction; false when it was done (or is being done). */
  async claimRun(manager: EntityManager, job: string, period: string, at: Date): Promise<boolean> {
    const rows = await insertRows(manager, CLAIM_RUN, [{ job, period, ranAt: at }]);
    return rows.length > 0;
  }

  /** The latest period a job was claimed for (periods sort as text: `YYYY-Www`). */
  async lastRun(job: string): Promise<string | null> {
    const rows: { period: string | null }[] = await this.dataSource.query(
      `SELECT max(period) AS period FROM routing.scheduled_runs WHERE job = $1`,
      [job],
    );
    return rows[0]?.period ?? null;
  }

  /** Tickets of the given types per category and ISO week of receipt, between two local midnights. */
  async weeklyCounts(
    manager: EntityManager,
    types: readonly FeedbackType[],
    timeZone: string,
    fromDate: string,
    toDate: string,
  ): Promise<{ category: string; week: string; tickets: number }[]> {
    return manager.query(
      `SELECT category, to_char(date_trunc('week', received_at AT TIME ZONE $2), 'IYYY-"W"IW') AS week,
              count(*)::int AS tickets
         FROM routing.tickets
        WHERE type = ANY($1::varchar[])
          AND received_at >= ($3::timestamp AT TIME ZONE $2) AND received_at < ($4::timestamp AT TIME ZONE $2)
        GROUP BY 1, 2`,
      [types, timeZone, fromDate, toDate],
    );
  }

  /** Customers, departments and money of one category's tickets between two local midnights. */
  async runFigures(
    manager: EntityManager,
    category: string,
    types: readonly FeedbackType[],
    timeZone: string,
    fromDate: string,
    toDate: string,
  ): Promise<RunFigures> {
    const [row]: {
      tickets: number;
      customers: string[] | null;
      departments: string[] | null;
      amount: string;
    }[] = await manager.query(
      `SELECT count(*)::int AS tickets,
              array_agg(DISTINCT customer_id) FILTER (WHERE customer_id IS NOT NULL) AS customers,
              array_agg(DISTINCT department) FILTER (WHERE department IS NOT NULL) AS departments,
              coalesce(sum(greatest(coalesce(claimed_fen, 0), coalesce(compensation_fen, 0))), 0)::bigint AS amount
         FROM routing.tickets
        WHERE category = $1 AND type = ANY($2::varchar[])
          AND received_at >= ($4::timestamp AT TIME ZONE $3) AND received_at < ($5::timestamp AT TIME ZONE $3)`,
      [category, types, timeZone, fromDate, toDate],
    );
    return {
      ticketCount: row.tickets,
      customerIds: row.customers ?? [],
      departments: (row.departments ?? []).sort(),
      amountAtStakeFen: Number(row.amount),
    };
  }

  /** The case of the category whose run ended in one of the given weeks (the newest), locked. */
  async lockRunEndingIn(
    manager: EntityManager,
    category: string,
    weeks: readonly string[],
  ): Promise<ImprovementCaseEntity | null> {
    return manager
      .getRepository(ImprovementCaseEntity)
      .createQueryBuilder('c')
      .where('c.category = :category AND c.lastWeek IN (:...weeks)', { category, weeks })
      .orderBy('c.lastWeek', 'DESC')
      .setLock('pessimistic_write')
      .getOne();
  }

  async lock(manager: EntityManager, id: string): Promise<ImprovementCaseEntity | null> {
    return manager
      .getRepository(ImprovementCaseEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async find(id: string): Promise<ImprovementCaseEntity | null> {
    return this.dataSource.getRepository(ImprovementCaseEntity).findOneBy({ id });
  }

  async insert(manager: EntityManager, entity: ImprovementCaseEntity): Promise<void> {
    await manager.getRepository(ImprovementCaseEntity).insert(entity);
  }

  /** Writes the case and moves its version on by one. */
  async save(manager: EntityManager, entity: ImprovementCaseEntity): Promise<ImprovementCaseEntity> {
    const next = { ...entity, version: entity.version + 1 };
    await manager.getRepository(ImprovementCaseEntity).update({ id: entity.id }, next);
    return next;
  }

  async addHistory(manager: EntityManager, entry: Omit<ImprovementCaseHistoryEntity, 'id'>): Promise<void> {
    await insertRows(manager, INSERT_HISTORY, [entry]);
  }

  async history(caseId: string): Promise<ImprovementCaseHistoryEntity[]> {
    return this.dataSource
      .getRepository(ImprovementCaseHistoryEntity)
      .find({ where: { caseId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /** Highest priority first; keyset on (priority, id). */
  async list(
    filter: { status?: ImprovementStatus; category?: string; priorityBand?: PriorityBand },
    after: { priority: number; id: string } | null,
    limit: number,
  ): Promise<ImprovementCaseEntity[]> {
    const query = this.dataSource.getRepository(ImprovementCaseEntity).createQueryBuilder('c');
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.category) query.andWhere('c.category = :category', { category: filter.category });
    if (filter.priorityBand) query.andWhere('c.priorityBand = :band', { band: filter.priorityBand });
    if (after) {
      query.andWhere('(c.priority, c.id) < (:priority, :id)', { priority: after.priority, id: after.id });
    }
    return query.orderBy('c.priority', 'DESC').addOrderBy('c.id', 'DESC').take(limit).getMany();
  }
}
