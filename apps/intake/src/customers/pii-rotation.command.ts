import { createServiceDataSource } from '@closeloop/persistence';
import type { IntakeEnv } from '../intake.env';
import { intakePersistence } from '../intake.persistence';
import { piiCipherFromEnv } from './pii-cipher';
import { rotatePii } from './pii-rotation';

/**
 * `node dist/apps/intake/src/main.js pii:rotate [--batch-size N]`: re-encrypts every contact and name not
 * under PII_ACTIVE_KEY (docs/privacy.md). Prints counts only, never values. Exit code 0 when done.
 */
export async function runPiiRotation(env: IntakeEnv, argv: string[]): Promise<number> {
  const sizeArg = argv.indexOf('--batch-size');
  const batchSize = sizeArg >= 0 ? Number(argv[sizeArg + 1]) : 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    console.error('usage: pii:rotate [--batch-size 1..10000]');
    return 2;
  }
  const cipher = piiCipherFromEnv(env);
  const dataSource = await createServiceDataSource({
    url: env.DATABASE_URL,
    ...intakePersistence,
    poolSize: 2,
    applicationName: 'closeloop-pii-rotate',
  }).initialize();
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
