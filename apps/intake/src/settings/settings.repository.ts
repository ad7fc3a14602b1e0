import { Injectable } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { DataSource } from 'typeorm';
import { validateContract } from '@closeloop/contracts';
import { INTAKE_SETTINGS, type IntakeSettingKey } from './intake-settings';
import { SettingEntity } from './setting.entity';

/** How long a replica may serve a settings value before re-reading it (an admin's change applies within). */
const CACHE_MS = 5_000;

@Injectable()
export class SettingsRepository {
  private readonly cache = new Map<IntakeSettingKey, { at: number; value: unknown }>();

  constructor(private readonly dataSource: DataSource) {}

  async get<K extends IntakeSettingKey>(key: K): Promise<InstanceType<(typeof INTAKE_SETTINGS)[K]>> {
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value as InstanceType<(typeof INTAKE_SETTINGS)[K]>;
    const row = await this.dataSource.getRepository(SettingEntity).findOneBy({ key });
    if (!row) throw new Error(`setting ${key} is missing: migrations seed it`);
    const cls = INTAKE_SETTINGS[key] as ClassConstructor<InstanceType<(typeof INTAKE_SETTINGS)[K]>>;
    const value = validateContract(cls, row.value);
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }
}
