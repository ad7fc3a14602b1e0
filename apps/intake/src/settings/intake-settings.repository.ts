import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SettingsStore } from '@closeloop/persistence';
import { INTAKE_SETTINGS } from './intake-settings';

@Injectable()
export class IntakeSettingsRepository extends SettingsStore<typeof INTAKE_SETTINGS> {
  constructor(dataSource: DataSource) {
    super(dataSource, INTAKE_SETTINGS);
  }
}
