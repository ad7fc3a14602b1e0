import { MigrationExecutor, type DataSource } from 'typeorm';
import { quoteIdent } from './data-source';

/**
 * Applies the service's pending migrations under a Postgres advisory lock keyed by its schema, so several
 * replicas starting together never race: the first applies them, the others wait and then find nothing to do.
 * Returns the names of the migrations this call applied.
 */
export async function runMigrationsLocked(dataSource: DataSource, schema: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lockKey = `closeloop:migrations:${schema}`;
  try {
    await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
    // The migrations table lives in the schema, so the schema must exist before TypeORM looks for it.
    // The first migration of each service also creates it, so a fresh database replays cleanly.
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    // On the connection that holds the lock: with a pool of one, a second connection would never come.
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey])
      .catch(() => undefined);
    await runner.release();
  }
}

/**
 * The SQL TypeORM would run to make the database match the entities. Empty when entities and migrations
 * agree; the tests assert that (the "no pending migration" check).
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((query) => query.query);
}
