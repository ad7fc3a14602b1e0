import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DeferredInsert, insertRows, UnnestInsert } from '@closeloop/messaging';

/** What an interaction adds to a customer's figures (customer_activity). */
export interface InteractionDelta {
  at: Date;
  tickets?: number;
  complaints?: number;
  objections?: number;
  callbacks?: number;
  /** Latest satisfaction on 0-100 (surveys, callbacks). */
  satisfaction?: number;
}

/**
 * The interaction columns of a customer_activity row (CustomerActivityEntity's fields of the same names). Spelt
 * out rather than picked from the entity: the entity sits in customers/, which imports segments/ (its
 * SegmentsModule), and folders have no import cycles (apps/feature-cycles.spec.ts).
 */
interface Activity {
  customerId: string;
  ticketsCount: number;
  complaintsCount: number;
  objectionsCount: number;
  callbacksCount: number;
  lastObjectionAt: Date | null;
  satisfaction: number | null;
  satisfactionAt: Date | null;
  lastInteractionAt: Date | null;
}

/**
 * One interaction added to a customer's figures (an upsert: a customer may have no row yet). Only the latest
 * satisfaction is kept; the last interaction and objection move forward only.
 */
const ADD_INTERACTION = new DeferredInsert<Activity>(
  'intake.customer_activity AS a',
  {
    customerId: 'customer_id',
    ticketsCount: 'tickets_count',
    complaintsCount: 'complaints_count',
    objectionsCount: 'objections_count',
    callbacksCount: 'callbacks_count',
    lastObjectionAt: 'last_objection_at',
    satisfaction: 'satisfaction',
    satisfactionAt: 'satisfaction_at',
    lastInteractionAt: 'last_interaction_at',
  },
  `ON CONFLICT (customer_id) DO UPDATE SET
     tickets_count = a.tickets_count + EXCLUDED.tickets_count,
     complaints_count = a.complaints_count + EXCLUDED.complaints_count,
     objections_count = a.objections_count + EXCLUDED.objections_count,
     callbacks_count = a.callbacks_count + EXCLUDED.callbacks_count,
     last_objection_at = GREATEST(a.last_objection_at, EXCLUDED.last_objection_at),
     satisfaction = CASE WHEN EXCLUDED.satisfaction_at >= COALESCE(a.satisfaction_at, '-infinity')
                         THEN EXCLUDED.satisfaction ELSE a.satisfaction END,
     satisfaction_at = GREATEST(a.satisfaction_at, EXCLUDED.satisfaction_at),
     last_interaction_at = GREATEST(a.last_interaction_at, EXCLUDED.last_interaction_at)`,
);

/** I4: complaints counted up or down, not an interaction. */
const ADJUST_COMPLAINTS = new DeferredInsert<Pick<Activity, 'customerId' | 'complaintsCount'>>(
  'intake.customer_activity AS a',
  { customerId: 'customer_id', complaintsCount: 'complaints_count' },
  'ON CONFLICT (customer_id) DO UPDATE SET complaints_count = a.complaints_count + EXCLUDED.complaints_count',
);

/** Tickets opened for several customers at once. */
const ADD_TICKETS = new UnnestInsert<
  Pick<Activity, 'customerId' | 'ticketsCount' | 'complaintsCount' | 'lastInteractionAt'>
>(
  'intake.customer_activity AS a',
  {
    customerId: ['customer_id', 'uuid'],
    ticketsCount: ['tickets_count', 'int'],
    complaintsCount: ['complaints_count', 'int'],
    lastInteractionAt: ['last_interaction_at', 'timestamptz'],
  },
  `ON CONFLICT (customer_id) DO UPDATE SET
     tickets_count = a.tickets_count + EXCLUDED.tickets_count,
     complaints_count = a.complaints_count + EXCLUDED.complaints_count,
     last_interaction_at = GREATEST(a.last_interaction_at, EXCLUDED.last_interaction_at)`,
);

@Injectable()
export class ActivityRepository {
  /**
   * Adds one interaction to the customer's figures. Only the latest satisfaction is kept (an older score
   * arriving late does not replace a newer one); the last interaction and objection move forward only.
   */
  async addInteraction(manager: EntityManager, customerId: string, delta: InteractionDelta): Promise<void> {
    await insertRows(manager, ADD_INTERACTION, [
      {
        customerId,
        ticketsCount: delta.tickets ?? 0,
        complaintsCount: delta.complaints ?? 0,
        objectionsCount: delta.objections ?? 0,
        callbacksCount: delta.callbacks ?? 0,
        lastObjectionAt: (delta.objections ?? 0) > 0 ? delta.at : null,
        satisfaction: delta.satisfaction ?? null,
        satisfactionAt: (delta.satisfaction ?? null) === null ? null : delta.at,
        lastInteractionAt: delta.at,
      },
    ]);
  }

  /** I4: a ticket became or stopped being a complaint; not an interaction (the last one does not move). */
  async adjustComplaints(manager: EntityManager, customerId: string, delta: number): Promise<void> {
    // An upsert: a customer may have no figures row yet (bulk imports create it lazily). Not clamped at 0:
    // the opening this reclassification corrects may not be counted yet (ActivityService.reclassified).
    await insertRows(manager, ADJUST_COMPLAINTS, [{ customerId, complaintsCount: delta }]);
  }

  /**
   * Tickets opened for several customers at once (a consumer batch): per customer the number of tickets and
   * complaints and the latest opening, in one statement (the same effect as one `addInteraction` each).
   */
  async addTickets(
    manager: EntityManager,
    rows: { customerId: string; tickets: number; complaints: number; at: Date }[],
  ): Promise<void> {
    await ADD_TICKETS.run(
      manager,
      rows.map((row) => ({
        customerId: row.customerId,
        ticketsCount: row.tickets,
        complaintsCount: row.complaints,
        lastInteractionAt: row.at,
      })),
    );
  }

  /** The live customers these ids stand for now (merged ids resolve; erased and unknown ones are absent). */
  async liveCustomers(manager: EntityManager, customerIds: string[]): Promise<Map<string, string>> {
    const rows: { asked: string; id: string }[] = await manager.query(
      `WITH RECURSIVE chain(asked, id, merged_into, erased_at, depth) AS (
         SELECT id, id, merged_into, erased_at, 0 FROM intake.customers WHERE id = ANY($1::uuid[])
         UNION ALL
         SELECT chain.asked, c.id, c.merged_into, c.erased_at, chain.depth + 1 FROM intake.customers c
         JOIN chain ON c.id = chain.merged_into WHERE chain.depth < 16)
       SELECT asked, id FROM chain WHERE merged_into IS NULL AND erased_at IS NULL`,
      [customerIds],
    );
    return new Map(rows.map((row) => [row.asked, row.id]));
  }

  /** The live customer an event's id stands for now (merged ids resolve), or null (erased, unknown). */
  async liveCustomer(manager: EntityManager, customerId: string): Promise<string | null> {
    return (await this.liveCustomers(manager, [customerId])).get(customerId) ?? null;
  }
}
