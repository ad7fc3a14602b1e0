import type { ClassConstructor } from 'class-transformer';
import type { DataSource, EntityManager } from 'typeorm';
import { validateContract } from '@closeloop/contracts';
import { SettingEntity } from './setting.entity';

/** How long a replica may serve a value before re-reading it: an admin's change applies everywhere within. */
const CACHE_MS = 5_000;
/** Past this age a value is not served while refreshing: the read is awaited (and fails loudly if it fails). */
const STALE_LIMIT_MS = 6 * CACHE_MS;

type Definitions = Record<string, ClassConstructor<object>>;

/**
 * Typed, validated access to a service's settings table. Values are validated on read and on write with
 * their class, so a bad document can never reach a rule.
 *
 * Reads are cached for CACHE_MS. When a value expires, the next caller starts one re-read in the background
 * and every caller keeps the current value until it is back: under load, an expiry used to send every request
 * in flight to the database at once (and made them all wait for it), a latency spike every 5 s.
 */
export class SettingsStore<D extends Definitions> {
  private readonly cache = new Map<keyof D, { at: number; value: unknown }>();
  /** Reads in progress on pooled connections, shared by whoever needs the same key meanwhile. */
  private readonly reading = new Map<keyof D, Promise<unknown>>();
  /** Bumped by every write, so a read that started before it cannot put the old value back. */
  private generation = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly definitions: D,
  ) {}

  /**
   * Inside a transaction, pass its manager: reading on a second pooled connection while the transaction
   * holds one can exhaust the pool under load (every handler waiting for a connection none will release).
   * A background re-read uses a pooled connection, but nobody waits for it.
   */
  async get<K extends keyof D & string>(key: K, manager?: EntityManager): Promise<InstanceType<D[K]>> {
    const cached = this.cache.get(key);
    const age = cached ? Date.now() - cached.at : Infinity;
    if (cached && age < CACHE_MS) return cached.value as InstanceType<D[K]>;
    if (cached && age < STALE_LIMIT_MS) {
      // A failed re-read keeps the current value; the next caller tries again.
      this.read(key).catch(() => undefined);
      return cached.value as InstanceType<D[K]>;
    }
    return this.read(key, manager);
  }

  /**
   * A read with a manager runs on that connection and waits for nothing else: its caller holds the
   * connection, and waiting for a read that needs another pooled one could exhaust the pool. Reads without
   * one share the read in progress for the key.
   */
  private read<K extends keyof D & string>(key: K, manager?: EntityManager): Promise<InstanceType<D[K]>> {
    if (manager) return this.load(key, manager);
    const pending = this.reading.get(key);
    if (pending) return pending as Promise<InstanceType<D[K]>>;
    const read = this.load(key).finally(() => this.reading.delete(key));
    this.reading.set(key, read);
    return read;
  }

  private async load<K extends keyof D & string>(
    key: K,
    manager?: EntityManager,
  ): Promise<InstanceType<D[K]>> {
    const generation = this.generation;
    const row = await (manager ?? this.dataSource.manager).getRepository(SettingEntity).findOneBy({ key });
    if (!row) throw new Error(`setting ${key} is missing: the service's migrations seed it`);
    const value = validateContract(this.definitions[key], row.value) as InstanceType<D[K]>;
    if (generation === this.generation) this.cache.set(key, { at: Date.now(), value });
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
    this.generation++;
    this.cache.delete(key);
    this.reading.delete(key);
    return valid;
  }
}
