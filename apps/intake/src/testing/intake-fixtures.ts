import { createHash } from 'node:crypto';
import { IMPORT_CHUNK_BYTES, ImportRpc, type Caller, type ImportKind } from '@closeloop/contracts';
import { createServiceDataSource, runMigrationsLocked } from '@closeloop/persistence';
import {
  createTestScope,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { IntakeEnv } from '../intake.env';
import { IntakeModule } from '../intake.module';
import { intakePersistence } from '../intake.persistence';
import type { ServiceStartOptions } from '@closeloop/testing';

/** The job and import pollers off, so a test runs them itself (runOnce) when it means to. */
export const QUIET_INTAKE_JOBS = { JOB_POLL_SECONDS: '3600', IMPORT_POLL_SECONDS: '0' };

/** Intake in this process on the scope's database and prefix. */
export function startIntake(scope: TestScope, options: ServiceStartOptions = {}): Promise<InProcessService> {
  return scope.start(IntakeEnv, (env) => IntakeModule.register(env), options);
}

export interface IntakeUnderTest {
  db: TestDatabase;
  prefix: string;
  intake: InProcessService;
  scope: TestScope;
  close(): Promise<void>;
}

/** Intake alone on a database and prefix of its own; `close()` removes it all. */
export async function startIntakeWithDb(
  label: string,
  options: ServiceStartOptions = {},
): Promise<IntakeUnderTest> {
  const scope = await createTestScope(label);
  const intake = await startIntake(scope, options);
  return { db: scope.db, prefix: scope.prefix, intake, scope, close: () => scope.close() };
}

/** Runs intake's migrations (all, or the first ones for an upgrade test) on the database at `url`. */
export async function migrateIntake(
  url: string,
  migrations: (typeof intakePersistence)['migrations'] = intakePersistence.migrations,
): Promise<void> {
  const dataSource = createServiceDataSource({
    url,
    schema: 'intake',
    entities: intakePersistence.entities,
    migrations,
    poolSize: 1,
    applicationName: 'closeloop-migration-test',
  });
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource, 'intake');
  } finally {
    await dataSource.destroy();
  }
}

/** Uploads a CSV as one chunk and commits it, as `caller`; the import is queued (the runner runs it). */
export async function uploadCsv(
  intake: InProcessService,
  caller: Caller,
  kind: ImportKind,
  csv: string,
): Promise<{ id: string }> {
  const file = Buffer.from(csv, 'utf8');
  const job = await intake.rpc.request(ImportRpc.begin, { caller, kind, format: 'csv' });
  const data = file.subarray(0, IMPORT_CHUNK_BYTES).toString('base64');
  await intake.rpc.request(ImportRpc.chunk, { caller, id: job.id, seq: 0, data });
  const sha256 = createHash('sha256').update(file).digest('hex');
  await intake.rpc.request(ImportRpc.commit, { caller, id: job.id, chunks: 1, sha256 });
  return job;
}
