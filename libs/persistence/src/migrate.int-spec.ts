import {
  Column,
  Entity,
  PrimaryColumn,
  type DataSource,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { IsInt, Max, Min } from 'class-validator';
import { createTestDatabase, type TestDatabase } from '@closeloop/testing';
import { createServiceDataSource } from './data-source';
import { messagingTablesUp } from './infrastructure-tables';
import { pendingSchemaChanges, runMigrationsLocked } from './migrate';
import { SettingEntity } from './setting.entity';
import { SettingsStore } from './settings-store';

const SCHEMA = 'pers';

// Three migrations; the first is slow so racing replicas would overlap inside it, the third seeds a row
// without ON CONFLICT, so a migration applied twice would leave two rows (or fail).
class PersInitial1700000000001 implements MigrationInterface {
  name = 'PersInitial1700000000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
    await queryRunner.query('SELECT pg_sleep(0.3)');
    for (const sql of messagingTablesUp(SCHEMA)) await queryRunner.query(sql);
    await queryRunner.query(
      `CREATE TABLE "${SCHEMA}"."widgets" ("id" uuid NOT NULL, "name" character varying(64) NOT NULL, CONSTRAINT "PK_widgets" PRIMARY KEY ("id"))`,
    );
  }
  async down(): Promise<void> {}
}

class PersSettings1700000000002 implements MigrationInterface {
  name = 'PersSettings1700000000002';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "${SCHEMA}"."settings" ("key" character varying(64) NOT NULL, "value" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_by" uuid, CONSTRAINT "PK_settings" PRIMARY KEY ("key"))`,
    );
  }
  async down(): Promise<void> {}
}

class PersSeed1700000000003 implements MigrationInterface {
  name = 'PersSeed1700000000003';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`INSERT INTO "${SCHEMA}"."settings" ("key", "value") VALUES ('quota', $1)`, [
      JSON.stringify({ perDay: 40 }),
    ]);
    await queryRunner.query(`CREATE TABLE "${SCHEMA}"."seed_log" ("n" integer NOT NULL)`);
    await queryRunner.query(`INSERT INTO "${SCHEMA}"."seed_log" ("n") VALUES (1)`);
  }
  async down(): Promise<void> {}
}

const MIGRATIONS = [PersInitial1700000000001, PersSettings1700000000002, PersSeed1700000000003];
const MIGRATION_NAMES = MIGRATIONS.map((m) => new m().name);

@Entity({ name: 'widgets' })
class Widget {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_widgets' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;
}

/** The same table as an entity that gained a column no migration adds. */
@Entity({ name: 'widgets' })
class WidgetWithColour {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_widgets' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  colour!: string | null;
}

class QuotaSetting {
  @IsInt()
  @Min(1)
  @Max(500)
  perDay!: number;
}

// Real servers on a shared 2-core machine: generous limits; every wait inside is a pollUntil with its own.
jest.setTimeout(30_000);

describe('persistence against real Postgres', () => {
  let db: TestDatabase;
  const opened: DataSource[] = [];

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  async function open(entities: Function[], poolSize = 2): Promise<DataSource> {
    const ds = createServiceDataSource({
      url: db.url,
      schema: SCHEMA,
      entities,
      migrations: MIGRATIONS,
      poolSize,
      applicationName: 'closeloop-persistence-int',
    });
    opened.push(ds);
    return ds.initialize();
  }

  beforeAll(async () => {
    db = await createTestDatabase('persistence');
  });

  afterAll(async () => {
    await Promise.allSettled(opened.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
    await db?.drop();
  });

  it('applies every migration exactly once when four replicas migrate a fresh database at the same time', async () => {
    const replicas = await Promise.all([1, 2, 3, 4].map(() => open([Widget, SettingEntity])));

    const results = await Promise.all(replicas.map((ds) => runMigrationsLocked(ds, SCHEMA)));

    expect(results.flat().sort()).toEqual([...MIGRATION_NAMES].sort());
    // The first replica to take the lock did all the work; the others found nothing to do.
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    const rows = await db.query<{ name: string; n: string }>(
      `SELECT name, count(*) AS n FROM "${SCHEMA}"."migrations" GROUP BY name ORDER BY name`,
    );
    expect(rows.map((r) => [r.name, Number(r.n)])).toEqual(MIGRATION_NAMES.map((name) => [name, 1]).sort());
    const seeded = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${SCHEMA}"."seed_log"`);
    expect(Number(seeded[0].n)).toBe(1);

    expect(await runMigrationsLocked(replicas[0], SCHEMA)).toEqual([]);
    expect(await runMigrationsLocked(replicas[3], SCHEMA)).toEqual([]);
  });

  it('migrates with a pool of a single connection (the advisory lock must not starve the migrations)', async () => {
    const ds = await open([Widget, SettingEntity], 1);
    const started = Date.now();
    await expect(runMigrationsLocked(ds, SCHEMA)).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The lock is released: another session can take it at once.
    const free = await db.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended('closeloop:migrations:${SCHEMA}', 0)) AS ok`,
    );
    expect(free[0].ok).toBe(true);
    await db.query(`SELECT pg_advisory_unlock(hashtextextended('closeloop:migrations:${SCHEMA}', 0))`);
  }, 20_000);

  it('reports no pending schema change when the entities match the migrations', async () => {
    const ds = await open([Widget, SettingEntity]);
    expect(await pendingSchemaChanges(ds)).toEqual([]);
  });

  it('reports the missing column when an entity has one the migrations lack', async () => {
    const ds = await open([WidgetWithColour, SettingEntity]);
    const pending = await pendingSchemaChanges(ds);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.join('\n')).toMatch(/ALTER TABLE "pers"\."widgets" ADD "colour" character varying\(16\)/);
  });

  it('reads seeded settings validated, rejects an invalid write and applies a valid one', async () => {
    const ds = await open([Widget, SettingEntity]);
    const store = new SettingsStore(ds, { quota: QuotaSetting });
    await expect(store.get('quota')).resolves.toMatchObject({ perDay: 40 });

    await expect(
      ds.transaction((manager) => store.put(manager, 'quota', { perDay: 0 }, null)),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      ds.transaction((manager) => store.put(manager, 'quota', { perDay: 40, extra: true }, null)),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    await ds.transaction((manager) => store.put(manager, 'quota', { perDay: 55 }, null));
    await expect(store.get('quota')).resolves.toMatchObject({ perDay: 55 });
    const stored = await db.query<{ value: unknown }>(
      `SELECT value FROM "${SCHEMA}"."settings" WHERE key = 'quota'`,
    );
    expect(stored[0].value).toEqual({ perDay: 55 });
  });

  it('re-reads an expired setting once in the background, serving the current value meanwhile', async () => {
    const ds = await open([Widget, SettingEntity]);
    const store = new SettingsStore(ds, { quota: QuotaSetting });
    const reads = jest.spyOn(ds.manager, 'getRepository');
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      await ds.query(`UPDATE "${SCHEMA}"."settings" SET value = '{"perDay": 41}' WHERE key = 'quota'`);
      await expect(store.get('quota')).resolves.toMatchObject({ perDay: 41 });
      expect(reads).toHaveBeenCalledTimes(1);
      await ds.query(`UPDATE "${SCHEMA}"."settings" SET value = '{"perDay": 42}' WHERE key = 'quota'`);

      // Expired: fifty callers at once get the current value at once, and the table is read once.
      now += 5_001;
      const values = await Promise.all(Array.from({ length: 50 }, () => store.get('quota')));
      expect(values.every((value) => value.perDay === 41)).toBe(true);
      expect(reads).toHaveBeenCalledTimes(2);
      // Polled a bounded number of times (pollUntil's deadline reads the mocked clock).
      let refreshed = 0;
      for (let attempt = 0; attempt < 200 && refreshed !== 42; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        refreshed = (await store.get('quota')).perDay;
      }
      expect(refreshed).toBe(42);
      expect(reads).toHaveBeenCalledTimes(2);

      // Far past expiry (a re-read kept failing, or nobody asked): the read is awaited, never stale.
      await ds.query(`UPDATE "${SCHEMA}"."settings" SET value = '{"perDay": 43}' WHERE key = 'quota'`);
      now += 60_000;
      await expect(store.get('quota')).resolves.toMatchObject({ perDay: 43 });
    } finally {
      clock.mockRestore();
      reads.mockRestore();
    }
  });
});
