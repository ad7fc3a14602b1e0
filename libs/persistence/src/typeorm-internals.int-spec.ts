import type { PoolClient } from 'pg';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@closeloop/testing';
import { markTransactionStarted, transactionMarks } from './typeorm-internals';

jest.setTimeout(30_000);

@Entity({ name: 'canary_rows' })
class CanaryRow {
  @PrimaryColumn('text')
  key!: string;

  @Column('text')
  note!: string;
}

/**
 * Canary of the adapter typeorm-internals.ts (issue 13 point 4): the query-runner fields a unit of work sets
 * by hand after sending START TRANSACTION itself (decision 0021) are the ones TypeORM's own
 * `startTransaction` sets, and with them set TypeORM's writes join the transaction instead of opening one.
 */
describe('TypeORM query-runner internals behind the adapter (canary)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('typeorminternals');
    await db.query('CREATE TABLE canary_rows (key text PRIMARY KEY, note text NOT NULL)');
    dataSource = new DataSource({ type: 'postgres', url: db.url, entities: [CanaryRow], logging: false });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('marks a runner exactly as startTransaction does, and commitTransaction clears the marks', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      expect(transactionMarks(runner)).toEqual({ isTransactionActive: false, transactionDepth: 0 });
      await runner.startTransaction();
      const typeorms = transactionMarks(runner);
      await runner.commitTransaction();
      expect(transactionMarks(runner)).toEqual({ isTransactionActive: false, transactionDepth: 0 });

      const other = dataSource.createQueryRunner();
      markTransactionStarted(other);
      expect(transactionMarks(other)).toEqual(typeorms);
      expect(typeorms).toEqual({ isTransactionActive: true, transactionDepth: 1 });
      await other.release();
    } finally {
      await runner.release();
    }
  });

  it("joins TypeORM's own writes to a transaction started by hand, so a rollback discards them", async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      markTransactionStarted(runner);
      await client.query('START TRANSACTION');
      // save() opens a transaction of its own unless the runner says one is active.
      await runner.manager.save(CanaryRow, { key: 'by-hand', note: 'rolled back' });
      await runner.rollbackTransaction();
      expect(transactionMarks(runner)).toEqual({ isTransactionActive: false, transactionDepth: 0 });
      expect(await db.query('SELECT key FROM canary_rows')).toEqual([]);
    } finally {
      await runner.release();
    }
  });
});
