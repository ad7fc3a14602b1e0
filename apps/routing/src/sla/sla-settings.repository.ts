import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SettingsStore } from '@closeloop/persistence';
import { SlaSettings } from './sla-settings';

export const ROUTING_SETTINGS = { sla: SlaSettings } as const;

@Injectable()
export class RoutingSettings extends SettingsStore<typeof ROUTING_SETTINGS> {
  constructor(dataSource: DataSource) {
    super(dataSource, ROUTING_SETTINGS);
  }
}
