import type { ClassConstructor } from 'class-transformer';
import type { DataSource, EntityManager } from 'typeorm';
import { validateContract } from '@closeloop/contracts';
import { SettingEntity } from './setting.entity';

/** How long a replica may serve a value before re-reading it: an admin's change applies everywhere within. */
const CACHE_MS = 5_000;

type Definitions = Record<string, ClassConstructor<object>>;

/**
 * Typed, validated access to a service's settings table. Values are validated on read and on write with
 * their class, so a bad document can never reach a rule.
 */
export class SettingsStore<D extends Definitions> {
  private readonly cache = new Map<keyof D, { at: number; value: unknown }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly definitions: D,
  ) {}

  /**
   * Inside a transaction, pass its manager: reading on a second pooled connection while the transaction
   * holds one can exhaust the pool under load (every handler waiting for a connection none will release).
   */
  async get<K extends keyof D & string>(key: K, manager?: EntityManager): Promise<InstanceType<D[K]>> {
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value as InstanceType<D[K]>;
    const row = await (manager ?? this.dataSource.manager).getRepository(SettingEntity).findOneBy({ key });
    if (!row) throw new Error(`setting ${key} is missing: the service's migrations seed it`);
    const value = validateContract(this.definitions[key], row.value) as InstanceType<D[K]>;
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  async put<K extends keyof D & string>(
    manager: EntityManager,
    key: K,
    value: unknown,
    updatedBy: string | null,
  ): Promise<InstanceType<D[K]>> {
    const valid = validateContract(this.definitions[key], value) as InstanceType<D[K]>;
    await manager.getRepository(SettingEntity).save({ key, value: valid, updatedBy });
    this.cache.delete(key);
    return valid;
  }
}
