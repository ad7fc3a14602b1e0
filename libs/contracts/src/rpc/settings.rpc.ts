import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { defineRpc, type ServiceName } from './rpc';

/** A settings document's key: `sla`, `calendar`, … (architecture: `GET|PUT /api/v1/settings/{key}`). */
export const SETTINGS_KEY_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

export class GetSettingsRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @Matches(SETTINGS_KEY_PATTERN)
  key!: string;
}

export class PutSettingsRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @Matches(SETTINGS_KEY_PATTERN)
  key!: string;

  /** The client's `If-Match` header as sent; the service answers 428 when absent, 412 when stale. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  ifMatch?: string;

  /** The whole new document; the owning service validates it (its shape is that service's business). */
  @IsObject()
  value!: Record<string, unknown>;
}

/** A settings document with its version; `etag` is what `If-Match` must repeat to change it. */
export interface SettingsView {
  key: string;
  version: number;
  etag: string;
  value: Record<string, unknown>;
  updatedAt: string;
  updatedBy: string | null;
}

/** Every service that owns settings documents serves these two admin commands. */
export function settingsRpc(service: ServiceName) {
  return {
    get: defineRpc<GetSettingsRequest, SettingsView>(service, 'settings.get', GetSettingsRequest),
    put: defineRpc<PutSettingsRequest, SettingsView>(service, 'settings.put', PutSettingsRequest),
  };
}

/** routing's settings: `sla` (R1 policies) and `calendar` (business calendars). */
export const RoutingSettingsRpc = settingsRpc('routing');

/**
 * intake's settings: `segments` (G1 thresholds, G2 targets), `retention` and `privacy` (X1), `classification`
 * (I2, I4 rules), `ticket-numbers` (I3) and `recording` (how far back a feedback's receivedAt may lie).
 */
export const IntakeSettingsRpc = settingsRpc('intake');
