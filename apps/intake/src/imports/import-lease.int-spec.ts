/**
 * An import's claim carries a fencing token (decision 0022): once another runner claimed the import after
 * this one stalled past its lease, this one's late batch is refused and rolled back (nothing of it
 * committed) and its finish changes nothing; the new holder's writes go through.
 */
import { randomUUID } from 'node:crypto';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import { ImportLeaseLost, ImportRepository } from './import.repository';
import { QUIET_INTAKE_JOBS, startIntakeWithDb } from '../testing/intake-fixtures';

jest.setTimeout(60_000);

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, intake, close } = await startIntakeWithDb('import_lease', {
    env: { ...QUIET_INTAKE_JOBS, HOUSEKEEPING_INTERVAL_SECONDS: '0' },
  }));
});

afterAll(() => close?.());

const batch = { afterLine: 0, lastLine: 10, rows: 10, created: 10, updated: 0, unchanged: 0, failed: 0 };

it("refuses a stalled runner's batch and finish once another runner took the import over", async () => {
  const id = randomUUID();
  await db.query(
    `INSERT INTO intake.imports (id, kind, format, status, created_by) VALUES ($1, 'customers', 'csv', 'queued', $2)`,
    [id, randomUUID()],
  );
  const imports = intake.app.get(ImportRepository);
  const stalled = (await imports.claim())!;
  expect(stalled.id).toBe(id);
  // The first runner stalls past its lease; another claims the import and resumes it.
  await db.query(`UPDATE intake.imports SET lease_until = now() - interval '1 ms' WHERE id = $1`, [id]);
  const current = (await imports.claim())!;
  expect(current.leaseFence).toBe(stalled.leaseFence + 1);

  // The stalled runner wakes up: its batch transaction is refused and rolled back, its finish is a no-op.
  await expect(
    intake.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO intake.import_errors (import_id, line, field, message) VALUES ($1, 1, 'x', 'y')`,
        [id],
      );
      await imports.progress(manager, stalled, batch);
    }),
  ).rejects.toBeInstanceOf(ImportLeaseLost);
  expect(await imports.finish(stalled, 'failed', 'late')).toBe(false);
  expect(await db.query(`SELECT 1 FROM intake.import_errors WHERE import_id = $1`, [id])).toEqual([]);
  expect(
    await db.query(`SELECT status, rows_read, checkpoint_line FROM intake.imports WHERE id = $1`, [id]),
  ).toEqual([{ status: 'running', rows_read: 0, checkpoint_line: 0 }]);

  // The holder's writes go through.
  await intake.dataSource.transaction((manager) => imports.progress(manager, current, batch));
  expect(await imports.finish(current, 'done', null)).toBe(true);
  expect(
    await db.query(`SELECT status, rows_read, checkpoint_line FROM intake.imports WHERE id = $1`, [id]),
  ).toEqual([{ status: 'done', rows_read: 10, checkpoint_line: 10 }]);
});
