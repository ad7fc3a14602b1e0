import { IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Matches, Min } from 'class-validator';
import { SERVICES, type ServiceName } from '../rpc/rpc';
import { SETTINGS_KEY_PATTERN } from '../rpc/settings.rpc';
import { defineEvent } from './event';

/** settings.changed.v1 — an admin replaced a settings document of a service (rules.md numbers). */
export class SettingsChangedV1 {
  @IsIn(SERVICES)
  service!: ServiceName;

  @Matches(SETTINGS_KEY_PATTERN)
  key!: string;

  /** The document's new version (1 = the seed); the ETag of the document names it. */
  @IsInt()
  @Min(1)
  version!: number;

  /** The admin's user id. */
  @IsOptional()
  @IsUUID()
  changedBy!: string | null;

  @IsISO8601({ strict: true })
  changedAt!: string;
}

export const SettingsEvents = {
  changed: defineEvent(
    'settings.changed.v1',
    SettingsChangedV1,
    'An admin changed a settings document of a service.',
  ),
} as const;
