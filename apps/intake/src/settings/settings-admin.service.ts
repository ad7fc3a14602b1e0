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
import { SettingsRepository } from './settings.repository';

const log = createLogger('settings');

/** The intake documents an admin edits through `GET|PUT /api/v1/settings/{key}`. */
const EDITABLE = ['segments', 'retention', 'privacy'] as const;
type EditableKey = (typeof EDITABLE)[number];

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
    private readonly settings: SettingsRepository,
  ) {
    this.revisions = new SettingsRevisions(dataSource, 'intake');
  }

  async get(request: GetSettingsRequest): Promise<SettingsView> {
    const key = authorize(request.caller, request.key);
    return view(await this.revisions.current(key));
  }

  async put(request: PutSettingsRequest): Promise<SettingsView> {
    const key = authorize(request.caller, request.key);
    const ifMatch = request.ifMatch;
    if (!ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', `send If-Match with the ETag of GET /settings/${key}`);
    }
    const saved = await this.uow.run(async (tx) => {
      await this.revisions.lock(tx.manager, [key]);
      const current = await this.revisions.current(key, tx.manager);
      const etag = settingsEtag(key, current?.version ?? 0);
      if (!ifMatchHolds(ifMatch, etag)) {
        throw new DomainError(
          'PRECONDITION_FAILED',
          `${key} is now at ${etag}: GET it again and redo the change`,
        );
      }
      const version = (current?.version ?? 0) + 1;
      const changedAt = new Date();
      const changedBy = request.caller.userId;
      await this.settings.put(tx.manager, key, request.value, changedBy);
      await this.revisions.addRevision(tx.manager, {
        key,
        version,
        value: request.value,
        changedAt,
        changedBy,
      });
      await tx.publish(SettingsEvents.changed, {
        service: 'intake',
        key,
        version,
        changedBy,
        changedAt: changedAt.toISOString(),
      });
      return this.revisions.current(key, tx.manager);
    });
    log.info({ key, version: saved?.version, changedBy: request.caller.userId }, 'settings changed');
    return view(saved);
  }
}

function authorize(caller: Caller, key: string): EditableKey {
  if (!hasRole(caller, 'admin')) throw new DomainError('FORBIDDEN', 'settings are for admins');
  if (!(EDITABLE as readonly string[]).includes(key))
    throw new DomainError('NOT_FOUND', `intake has no settings ${key}`);
  return key as EditableKey;
}

function view(stored: StoredSettings | null): SettingsView {
  if (!stored) throw new Error(`a setting is missing: the service's migrations seed it`);
  return {
    key: stored.key,
    version: stored.version,
    etag: settingsEtag(stored.key, stored.version),
    value: stored.value,
    updatedAt: stored.updatedAt.toISOString(),
    updatedBy: stored.updatedBy,
  };
}
