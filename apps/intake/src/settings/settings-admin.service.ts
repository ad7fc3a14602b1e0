import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { SettingsRevisions, type StoredSettings } from '@closeloop/persistence';
import {
  DomainError,
  hasRole,
  ifMatchHolds,
  SettingsEvents,
  settingsEtag,
  type Caller,
  type GetSettingsRequest,
  type PutSettingsRequest,
  type SettingsView,
} from '@closeloop/contracts';
import type { IntakeSettingKey } from './intake-settings';
import { checkIntakeSettings } from './intake-settings.checks';
import { IntakeSettingsRepository } from './intake-settings.repository';

const log = createLogger('settings');

/**
 * The intake documents an admin edits through `GET|PUT /api/v1/settings/{name}`, by their public name
 * (lowercase, as every settings route) and the key they are stored under.
 */
const EDITABLE = {
  segments: 'segments',
  retention: 'retention',
  privacy: 'privacy',
  classification: 'classification',
  'ticket-numbers': 'ticketNumber',
  recording: 'recording',
} as const satisfies Record<string, IntakeSettingKey>;
type EditableName = keyof typeof EDITABLE;
type EditableKey = (typeof EDITABLE)[EditableName];

/**
 * Admin reads and whole-document writes of intake's settings with If-Match (428 missing, 412 stale), a
 * revision per change and `settings.changed.v1` in the same transaction. Segment thresholds apply to the
 * next recompute (and the nightly pass re-classifies everyone with them).
 */
@Injectable()
export class SettingsAdminService {
  private readonly revisions: SettingsRevisions;

  constructor(
    dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly settings: IntakeSettingsRepository,
  ) {
    this.revisions = new SettingsRevisions(dataSource, 'intake');
  }

  async get(request: GetSettingsRequest): Promise<SettingsView> {
    const { name, key } = authorize(request.caller, request.key);
    return view(name, await this.revisions.current(key));
  }

  async put(request: PutSettingsRequest): Promise<SettingsView> {
    const { name, key } = authorize(request.caller, request.key);
    const ifMatch = request.ifMatch;
    if (!ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', `send If-Match with the ETag of GET /settings/${name}`);
    }
    const saved = await this.uow.run(async (tx) => {
      await this.revisions.lock(tx.manager, [key]);
      const current = await this.revisions.current(key, tx.manager);
      const etag = settingsEtag(name, current?.version ?? 0);
      if (!ifMatchHolds(ifMatch, etag)) {
        throw new DomainError(
          'PRECONDITION_FAILED',
          `${name} is now at ${etag}: GET it again and redo the change`,
        );
      }
      const version = (current?.version ?? 0) + 1;
      const changedAt = new Date();
      const changedBy = request.caller.userId;
      const valid = await this.settings.put(tx.manager, key, request.value, changedBy);
      const problems = checkIntakeSettings(key, valid);
      if (problems.length > 0) {
        throw new DomainError('VALIDATION_FAILED', `${name} is not consistent`, problems);
      }
      await this.revisions.addRevision(tx.manager, {
        key,
        version,
        value: request.value,
        changedAt,
        changedBy,
      });
      await tx.publish(SettingsEvents.changed, {
        service: 'intake',
        key: name,
        version,
        changedBy,
        changedAt: changedAt.toISOString(),
      });
      return this.revisions.current(key, tx.manager);
    });
    log.info({ key: name, version: saved?.version, changedBy: request.caller.userId }, 'settings changed');
    return view(name, saved);
  }
}

function authorize(caller: Caller, name: string): { name: EditableName; key: EditableKey } {
  if (!hasRole(caller, 'admin')) throw new DomainError('FORBIDDEN', 'settings are for admins');
  if (!Object.hasOwn(EDITABLE, name)) throw new DomainError('NOT_FOUND', `intake has no settings ${name}`);
  return { name: name as EditableName, key: EDITABLE[name as EditableName] };
}

function view(name: EditableName, stored: StoredSettings | null): SettingsView {
  if (!stored) throw new Error(`a setting is missing: the service's migrations seed it`);
  return {
    key: name,
    version: stored.version,
    etag: settingsEtag(name, stored.version),
    value: stored.value,
    updatedAt: stored.updatedAt.toISOString(),
    updatedBy: stored.updatedBy,
  };
}
