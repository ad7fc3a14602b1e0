import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MS_PER_DAY } from '@closeloop/calendar/local-date';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { ScheduledJob } from '@closeloop/scheduling';
import type { IntakeEnv } from '../intake.env';
import { CustomerRepository } from '../customers/customer.repository';
import { CustomersService } from '../customers/customers.service';
import { nextNightly } from '../settings/nightly';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { RetentionRepository } from './retention.repository';

const log = createLogger('retention');
const BATCH = 5_000;

/**
 * X1 retention (settings `retention`): every night, in the nightly window of the `segments` settings and once
 * across replicas (@ScheduledJob, decision 0022), free text of old feedback is redacted, old audit rows deleted, finished
 * imports (files and error reports) deleted, and, when `inactiveCustomerDays` > 0, customers silent that long
 * are erased like an erasure on request (audit row, customer.erased.v1). Each step is idempotent.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly retention: RetentionRepository,
    private readonly customers: CustomerRepository,
    private readonly eraser: CustomersService,
    private readonly settings: IntakeSettingsRepository,
  ) {}

  @ScheduledJob('retention-purge', {
    every: (env: IntakeEnv) => env.JOB_POLL_SECONDS * 1000,
    nextRun: (self: RetentionService, after) => nextNightly(self.settings, after),
    retryMs: () => 5 * 60_000,
  })
  async nightly(): Promise<void> {
    await this.purge();
  }

  async purge(now = new Date()): Promise<Record<string, number>> {
    const rules = await this.settings.get('retention');
    const ago = (days: number) => new Date(now.getTime() - days * MS_PER_DAY);
    const totals = { feedbackRedacted: 0, auditDeleted: 0, importsDeleted: 0, customersErased: 0 };
    totals.feedbackRedacted = await this.drain((m) =>
      this.retention.redactFeedbackText(m, ago(rules.feedbackTextDays), BATCH),
    );
    totals.auditDeleted = await this.drain((m) =>
      this.retention.deleteAudit(m, ago(rules.auditLogDays), BATCH),
    );
    totals.importsDeleted = await this.dataSource.transaction((m) =>
      this.retention.deleteImports(m, ago(rules.importFilesDays)),
    );
    if (rules.inactiveCustomerDays > 0) {
      for (;;) {
        const ids = await this.retention.inactiveCustomers(
          this.dataSource.manager,
          ago(rules.inactiveCustomerDays),
          500,
        );
        if (ids.length === 0) break;
        for (const id of ids) {
          await this.unitOfWork.run(async (tx) => {
            const customer = await this.customers.load(id, tx.manager, true);
            if (!customer || customer.erasedAt) return;
            const reason = `retention: inactive for ${rules.inactiveCustomerDays} days`;
            await this.eraser.eraseLocked(tx, customer, null, reason, now);
          });
          totals.customersErased += 1;
        }
      }
    }
    log.info(totals, 'retention purge done');
    return totals;
  }

  private async drain(step: (manager: DataSource['manager']) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const changed = await this.dataSource.transaction((manager) => step(manager));
      total += changed;
      if (changed < BATCH) return total;
    }
  }
}
