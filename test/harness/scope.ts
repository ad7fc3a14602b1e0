import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CommonEnv } from '@closeloop/runtime';
import { createTestDatabase, type TestDatabase } from './database';
import { deleteTestStream, testPrefix } from './nats';
import { startService, type InProcessService } from './service';

export interface ServiceStartOptions {
  env?: Record<string, string>;
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /** Another address for the scope's database (a PgProxy in front of it); the scope's own by default. */
  databaseUrl?: string;
}

/**
 * One test file's world: a fresh database and a NATS prefix of its own, the services started on them, and
 * whatever else must go before the database does. `close()` stops the services, then those, then drops the
 * database and the stream.
 */
export interface TestScope {
  db: TestDatabase;
  prefix: string;
  start<E extends CommonEnv>(
    envClass: new () => E,
    register: (env: E) => DynamicModule,
    options?: ServiceStartOptions,
  ): Promise<InProcessService>;
  /** Closes this after the services and before the database (a proxy, a NATS connection). */
  defer(close: () => Promise<unknown>): void;
  close(): Promise<void>;
}

export async function createTestScope(label: string): Promise<TestScope> {
  const db = await createTestDatabase(label);
  const prefix = testPrefix();
  const services = new Set<InProcessService>();
  const deferred: (() => Promise<unknown>)[] = [];
  return {
    db,
    prefix,
    async start(envClass, register, options = {}) {
      const started = await startService(envClass, register, {
        databaseUrl: options.databaseUrl ?? db.url,
        prefix,
        env: options.env,
        configure: options.configure,
      });
      services.add(started);
      // A test may stop a service itself (a restart); the scope then does not close it again.
      const service: InProcessService = {
        ...started,
        close: async () => {
          if (services.delete(started)) await started.close();
        },
      };
      return service;
    },
    defer(close) {
      deferred.push(close);
    },
    async close() {
      await Promise.all([...services].map((s) => s.close()));
      services.clear();
      for (const close of deferred) await close();
      await db.drop();
      await deleteTestStream(prefix);
    },
  };
}
