import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  hasRole,
  ifMatchHolds,
  SettingsEvents,
  settingsEtag,
  validateContract,
  type Caller,
  type FieldError,
  type GetSettingsRequest,
  type PutSettingsRequest,
  type SettingsView,
} from '@closeloop/contracts';
import type { EntityManager } from 'typeorm';
import type { ClassConstructor } from 'class-transformer';
import { ImprovementSettings } from './improvement-settings';
import {
  isRoutingSettingsKey,
  ROUTING_SETTINGS,
  RoutingSettingsRepository,
  type RoutingSettingsKey,
} from './routing-settings.repository';
import { dispatchSettingsProblems } from './dispatch-settings.checks';
import {
  calendarIds,
  checkCalendarReference,
  checkCalendarSettings,
  checkSlaSettings,
  type CalendarReference,
} from './calendar-settings.checks';
import { SettingRevisionsRepository, type StoredSettings } from './setting-revisions.repository';

const log = createLogger('settings');

/**
 * Admin reads and whole-document writes of routing's settings (`sla`, `calendar`, `dispatch`,
 * `lifecycle`, `escalation`, `compliance`, `improvement`), with optimistic
 * concurrency (If-Match) and a `settings.changed.v1` event committed with each change. A change applies to
 * tickets opened afterwards only: tickets keep the due times they were opened with (R2).
 */
@Injectable()
export class SettingsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly settings: RoutingSettingsRepository,
    private readonly repository: SettingRevisionsRepository,
  ) {}

  async get(request: GetSettingsRequest): Promise<SettingsView> {
    const key = this.authorize(request.caller, request.key);
    const stored = await this.repository.current(key);
    if (!stored) throw new Error(`setting ${key} is missing: the service's migrations seed it`);
    return view(stored);
  }

  async put(request: PutSettingsRequest): Promise<SettingsView> {
    const key = this.authorize(request.caller, request.key);
    const ifMatch = request.ifMatch;
    if (ifMatch === undefined || ifMatch.trim() === '') {
      throw new DomainError('PRECONDITION_REQUIRED', `send If-Match with the ETag of GET /settings/${key}`);
    }
    const saved = await this.uow.run(async (tx) => {
      await this.repository.lock(tx.manager, Object.keys(ROUTING_SETTINGS));
      const current = await this.repository.current(key, tx.manager);
      if (!current) throw new Error(`setting ${key} is missing: the service's migrations seed it`);
      const etag = settingsEtag(key, current.version);
      if (!ifMatchHolds(ifMatch, etag)) {
        throw new DomainError(
          'PRECONDITION_FAILED',
          `${key} is now at ${etag}: GET it again and redo the change`,
        );
      }
      await this.check(tx.manager, key, request.value);
      const version = current.version + 1;
      const changedAt = new Date();
      const changedBy = request.caller.userId;
      await this.settings.put(tx.manager, key, request.value, changedBy);
      await this.repository.addRevision(tx.manager, {
        key,
        version,
        value: request.value,
        changedAt,
        changedBy,
      });
      await tx.publish(SettingsEvents.changed, {
        service: 'routing',
        key,
        version,
        changedBy,
        changedAt: changedAt.toISOString(),
      });
      const after = await this.repository.current(key, tx.manager);
      return after!;
    });
    log.info({ key, version: saved.version, changedBy: request.caller.userId }, 'settings changed');
    return view(saved);
  }

  private authorize(caller: Caller, key: string): RoutingSettingsKey {
    // The gateway lets only admins through; routing checks again (services authorize).
    if (!hasRole(caller, 'admin')) throw new DomainError('FORBIDDEN', 'settings are for admins');
    if (!isRoutingSettingsKey(key)) throw new DomainError('NOT_FOUND', `routing has no settings ${key}`);
    return key;
  }

  /** The whole document, and its references to the other documents (read under the same lock). */
  private async check(manager: EntityManager, key: RoutingSettingsKey, value: unknown): Promise<void> {
    const stored = async <K extends RoutingSettingsKey>(other: K) => {
      const row = await this.repository.current(other, manager);
      return row ? this.parse(other, row.value) : null;
    };
    let problems: FieldError[];
    if (key === 'dispatch') {
      // R3: against routing's read model of the org directory (departments and skills must be active).
      problems = await dispatchSettingsProblems(manager, value);
    } else if (key === 'calendar') {
      const references: CalendarReference[] = [];
      for (const other of ['lifecycle', 'compliance', 'improvement'] as const) {
        const named = await stored(other);
        if (named) references.push({ key: other, calendar: named.calendar });
      }
      problems = checkCalendarSettings(this.parse('calendar', value), await stored('sla'), references);
    } else {
      const ids = calendarIds((await stored('calendar')) ?? { calendars: [] });
      if (key === 'sla') {
        problems = checkSlaSettings(this.parse('sla', value), ids);
      } else if (key === 'improvement') {
        const document = this.parse('improvement', value);
        problems = [...checkCalendarReference(document.calendar, ids), ...checkImprovement(document)];
      } else if (key === 'escalation') {
        this.parse(key, value);
        problems = [];
      } else {
        problems = checkCalendarReference(this.parse(key, value).calendar, ids);
      }
    }
    if (problems.length > 0) {
      throw new DomainError('VALIDATION_FAILED', `the ${key} document is invalid`, problems);
    }
  }

  private parse<K extends RoutingSettingsKey>(
    key: K,
    value: unknown,
  ): InstanceType<(typeof ROUTING_SETTINGS)[K]> {
    return validateContract(ROUTING_SETTINGS[key] as ClassConstructor<object>, value) as InstanceType<
      (typeof ROUTING_SETTINGS)[K]
    >;
  }
}

/** R8 priority bands must be ordered. */
function checkImprovement(document: ImprovementSettings): FieldError[] {
  return document.priority.mediumAt > document.priority.highAt
    ? [{ field: 'priority.mediumAt', message: 'must not be above priority.highAt' }]
    : [];
}

function view(stored: StoredSettings): SettingsView {
  return {
    key: stored.key,
    version: stored.version,
    etag: settingsEtag(stored.key, stored.version),
    value: stored.value,
    updatedAt: stored.updatedAt.toISOString(),
    updatedBy: stored.updatedBy,
  };
}
