import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { CustomerEvents, type CustomerSegmentChangedV1 } from '@closeloop/contracts';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { SegmentRepository, type SegmentChange } from './segment.repository';

const log = createLogger('segments');
const NIGHTLY_BATCH = 5_000;

/**
 * G1: a customer's segment is recomputed in the transaction that changes one of its inputs (an order, a
 * ticket, an objection, a registration), and by the nightly pass (time alone moves customers: "new" ends
 * after 3 months, orders leave the annual spend). `customer.segment-changed.v1` commits with each real
 * change, so it is emitted exactly once per change.
 */
@Injectable()
export class SegmentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly settings: IntakeSettingsRepository,
  ) {}

  /** Recomputes these customers inside the caller's transaction (their inputs just changed). */
  async recompute(tx: Tx, ids: string[], now = new Date()): Promise<void> {
    const rules = await this.settings.get('segments', tx.manager);
    if (await this.segments.spendCutStale(tx.manager, rules.spendRankMaxAgeSeconds, now)) {
      await this.segments.refreshSpendCut(
        tx.manager,
        rules.highValue.topSpendShare,
        rules.spendRankMaxAgeSeconds,
        now,
      );
    }
    await this.publish(tx, await this.segments.classify(tx.manager, ids, rules, now), now);
  }

  /** The annual spend of these customers changed (an order): refresh it, then recompute. */
  async spendChanged(tx: Tx, ids: string[], now = new Date()): Promise<void> {
    await this.segments.refreshSpend(tx.manager, ids, now);
    await this.recompute(tx, ids, now);
  }

  /**
   * The nightly pass over every live customer: spend refreshed, the cut recomputed, then batches of 5,000
   * by id, each batch one transaction with its events. Idempotent: a pass interrupted and run again changes
   * only what still differs.
   */
  async nightly(now = new Date()): Promise<{ customers: number; changed: number }> {
    const rules = await this.settings.get('segments');
    await this.dataSource.transaction(async (manager) => {
      await this.segments.refreshSpend(manager, null, now);
      await this.segments.refreshSpendCut(manager, rules.highValue.topSpendShare, 0, now, true);
    });
    let afterId = '00000000-0000-0000-0000-000000000000';
    let customers = 0;
    let changed = 0;
    for (;;) {
      const batch = await this.unitOfWork.run(async (tx) => {
        const ids = await this.segments.liveIdsAfter(tx.manager, afterId, NIGHTLY_BATCH);
        const changes = await this.segments.classify(tx.manager, ids, rules, now);
        await this.publish(tx, changes, now);
        return { ids, changed: changes.length };
      });
      if (batch.ids.length === 0) break;
      afterId = batch.ids[batch.ids.length - 1];
      customers += batch.ids.length;
      changed += batch.changed;
    }
    log.info({ customers, changed }, 'nightly segment pass done');
    return { customers, changed };
  }

  /** Buffered by the transaction: written with its other events in multi-row inserts at commit. */
  private async publish(tx: Tx, changes: SegmentChange[], now: Date): Promise<void> {
    for (const change of changes) await tx.publish(CustomerEvents.segmentChanged, payload(change, now));
  }
}

function payload(change: SegmentChange, now: Date): CustomerSegmentChangedV1 {
  return {
    customerId: change.customerId,
    ...(change.segment ? { segment: change.segment } : {}),
    ...(change.previous ? { previous: change.previous } : {}),
    changedAt: now.toISOString(),
  };
}
