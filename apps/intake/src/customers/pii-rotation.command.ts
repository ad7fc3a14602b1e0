import { createServiceDataSource, serviceApplicationName } from '@closeloop/persistence';
import type { IntakeEnv } from '../intake.env';
import { intakePersistence } from '../intake.persistence';
import { PiiCipher, piiCipherFromEnv } from './pii-cipher';
import { rehashPii } from './pii-rehash';
import { rotatePii } from './pii-rotation';

/**
 * `node dist/apps/intake/src/main.js pii:rotate [--batch-size N]`: re-encrypts every contact and name not
 * under PII_ACTIVE_KEY (docs/privacy.md). Prints counts only, never values. Exit code 0 when done.
 */
export async function runPiiRotation(env: IntakeEnv, argv: string[]): Promise<number> {
  const batchSize = batchSizeOf(argv);
  if (batchSize === null) {
    console.error('usage: pii:rotate [--batch-size 1..10000]');
    return 2;
  }
  const cipher = piiCipherFromEnv(env);
  const dataSource = await openDataSource(env, 'closeloop-pii-rotate');
  try {
    console.log(`pii:rotate: re-encrypting under key ${cipher.activeKey}, batches of ${batchSize}`);
    const totals = await rotatePii(dataSource, cipher, {
      batchSize,
      onProgress: ({ table, rotated }) => console.log(`pii:rotate: ${table}: ${rotated} re-encrypted`),
    });
    for (const [table, count] of Object.entries(totals)) {
      console.log(`pii:rotate: ${table}: done, ${count} re-encrypted`);
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

/**
 * `PII_HMAC_KEY_NEXT=<base64> node dist/apps/intake/src/main.js pii:rehash [--batch-size N] [--force]`:
 * recomputes every keyed hash under the next HMAC key (docs/privacy.md, "Rotating the HMAC key"). Intake
 * must be stopped: the command refuses while intake replicas are connected to the database, unless
 * `--force`. Prints counts only. Exit code 0 when done; re-running it after a stop finishes the job.
 */
export async function runPiiRehash(env: IntakeEnv, argv: string[]): Promise<number> {
  const batchSize = batchSizeOf(argv);
  const nextKey = Buffer.from(process.env.PII_HMAC_KEY_NEXT ?? '', 'base64');
  if (batchSize === null || nextKey.length < 24) {
    console.error(
      'usage: PII_HMAC_KEY_NEXT=<base64 of at least 24 bytes> pii:rehash [--batch-size 1..10000] [--force]',
    );
    return 2;
  }
  const current = piiCipherFromEnv(env);
  if (nextKey.equals(Buffer.from(env.PII_HMAC_KEY, 'base64'))) {
    console.error('pii:rehash: PII_HMAC_KEY_NEXT is the current PII_HMAC_KEY');
    return 2;
  }
  const next = new PiiCipher(env.PII_KEYS, env.PII_ACTIVE_KEY, nextKey);
  const dataSource = await openDataSource(env, 'closeloop-pii-rehash');
  try {
    const [{ running }] = await dataSource.query<{ running: number }[]>(
      `SELECT count(*)::int AS running FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1`,
      [serviceApplicationName('intake')],
    );
    if (running > 0 && !argv.includes('--force')) {
      console.error(`pii:rehash: intake is running (${running} connections): stop every replica first`);
      return 3;
    }
    console.log(`pii:rehash: recomputing keyed hashes under the next key, batches of ${batchSize}`);
    const totals = await rehashPii(dataSource, current, next, {
      batchSize,
      onProgress: ({ table, rehashed }) => console.log(`pii:rehash: ${table}: ${rehashed} rehashed`),
    });
    for (const [table, count] of Object.entries(totals)) {
      console.log(`pii:rehash: ${table}: done, ${count} rehashed`);
    }
    console.log('pii:rehash: start intake with PII_HMAC_KEY set to the next key');
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

function batchSizeOf(argv: string[]): number | null {
  const at = argv.indexOf('--batch-size');
  const size = at >= 0 ? Number(argv[at + 1]) : 500;
  return Number.isInteger(size) && size >= 1 && size <= 10_000 ? size : null;
}

function openDataSource(env: IntakeEnv, applicationName: string) {
  return createServiceDataSource({
    url: env.DATABASE_URL,
    ...intakePersistence,
    poolSize: 2,
    applicationName,
  }).initialize();
}
