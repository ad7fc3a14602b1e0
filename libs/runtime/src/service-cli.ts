import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, pendingSchemaChanges, runMigrationsLocked } from '@closeloop/persistence';

export interface ServicePersistence {
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

export const SERVICE_COMMANDS = ['migrate', 'migration:check', 'migration:generate'] as const;

/**
 * Maintenance commands every service's entry point understands (`node dist/apps/<svc>/src/main.js <command>`):
 * - `migrate`: apply pending migrations (a Kubernetes Job, or by hand) under the advisory lock;
 * - `migration:check`: exit 1 if the entities and the migrations disagree;
 * - `migration:generate <PascalName>`: write a new migration with the SQL that makes them agree.
 * The last two work on a scratch database they create and drop.
 */
export async function runServiceCommand(
  service: string,
  persistence: ServicePersistence,
  databaseUrl: string,
  argv: string[],
): Promise<number> {
  const [command, name] = argv;
  if (command === 'migrate') {
    const ds = await open(databaseUrl, persistence);
    try {
      const applied = await runMigrationsLocked(ds, persistence.schema);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply');
      return 0;
    } finally {
      await ds.destroy();
    }
  }
  return withScratchDatabase(databaseUrl, async (url) => {
    const ds = await open(url, persistence);
    try {
      await runMigrationsLocked(ds, persistence.schema);
      const pending = await pendingSchemaChanges(ds);
      if (command === 'migration:check') {
        if (pending.length === 0) {
          console.log(`${service}: entities and migrations agree`);
          return 0;
        }
        console.error(`${service}: pending schema changes:\n${pending.join(';\n')}`);
        return 1;
      }
      if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
        console.error('usage: migration:generate <PascalCaseName>');
        return 2;
      }
      if (pending.length === 0) {
        console.log('no changes: nothing generated');
        return 0;
      }
      const ts = Date.now();
      const file = join('apps', service, 'src', 'migrations', `${ts}-${name}.ts`);
      writeFileSync(file, migrationSource(`${name}${ts}`, pending));
      console.log(`wrote ${file}; add it to ${service}'s persistence list and review it`);
      return 0;
    } finally {
      await ds.destroy();
    }
  });
}

async function open(url: string, persistence: ServicePersistence): Promise<DataSource> {
  const ds = createServiceDataSource({ url, ...persistence, poolSize: 2, applicationName: 'closeloop-cli' });
  return ds.initialize();
}

async function withScratchDatabase<T>(databaseUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `closeloop_scratch_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function migrationSource(className: string, up: string[]): string {
  const lines = up.map((sql) => `    await queryRunner.query(${JSON.stringify(sql)});`).join('\n');
  return `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${lines}
  }

  down(): Promise<void> {
    throw new Error('${className} is not reversible: restore from backup or write a new migration');
  }
}
`;
}
