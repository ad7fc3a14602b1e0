/**
 * Adapter: the internals of TypeORM (1.x) that the platform relies on. `typeorm-internals.int-spec.ts` is
 * the canary that fails, against a real Postgres, when an upgrade changes them.
 *
 * Why: a unit of work sends `START TRANSACTION` itself, in the same round trip as `pg_current_xact_id()`
 * (decision 0021), and its COMMIT with its rows (`sendTogether`). TypeORM must still know that its query
 * runner is inside a transaction, or its own writes (`save`, `insert`, `update` on the runner's manager)
 * would open and commit a transaction of their own in the middle of ours, and `rollbackTransaction` would
 * refuse to run. It uses the two fields `QueryRunner#startTransaction` sets on a Postgres query runner:
 *
 * - `isTransactionActive` (public, read-only in spirit): true inside a transaction;
 * - `transactionDepth` (protected): 1 at the outer transaction (more means savepoints).
 */
import type { QueryRunner } from 'typeorm';

/** Records on the runner what its `startTransaction()` records, for a transaction started by hand. */
export function markTransactionStarted(runner: QueryRunner): void {
  Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
}

/** What TypeORM records of the runner's transaction (the canary compares it with `startTransaction`). */
export function transactionMarks(runner: QueryRunner): {
  isTransactionActive: unknown;
  transactionDepth: unknown;
} {
  const fields = runner as unknown as Record<string, unknown>;
  return { isTransactionActive: fields.isTransactionActive, transactionDepth: fields.transactionDepth };
}
