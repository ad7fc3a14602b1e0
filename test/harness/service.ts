import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import { CallerSigner, parseCallerSigningKey, RpcClient } from '@closeloop/messaging';
import {
  bootstrapService,
  DEV_CALLER_SIGNING_KEY,
  loadEnv,
  NATS_CONNECTION,
  type CommonEnv,
} from '@closeloop/runtime';
import { requireEnv } from './database';

export interface InProcessService {
  app: NestFastifyApplication;
  dataSource: DataSource;
  rpc: RpcClient;
  url: string;
  close(): Promise<void>;
}

/**
 * Boots one service's Nest module in this process (for per-service integration tests) against the given
 * database and NATS prefix, on a free port.
 */
export async function startService<E extends CommonEnv>(
  envClass: new () => E,
  register: (env: E) => DynamicModule,
  options: {
    databaseUrl: string;
    prefix: string;
    env?: Record<string, string>;
    configure?: (app: NestFastifyApplication) => void | Promise<void>;
  },
): Promise<InProcessService> {
  const env = loadEnv(envClass, {
    DATABASE_URL: options.databaseUrl,
    NATS_URL: requireEnv('NATS_URL'),
    NATS_PREFIX: options.prefix,
    HTTP_PORT: '0',
    PG_POOL_SIZE: '6',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    NODE_ENV: 'test',
    ...options.env,
  });
  const app = await bootstrapService(register(env), {
    service: 'test',
    host: '127.0.0.1',
    port: 0,
    trustProxy: env.TRUST_PROXY,
    configure: options.configure,
  });
  const address = app.getHttpServer().address() as { port: number };
  const nc = app.get<NatsConnection>(NATS_CONNECTION);
  return {
    app,
    dataSource: app.get(DataSource),
    // Stands in for the gateway: signs the callers the tests send with the development key the services
    // accept outside production.
    rpc: new RpcClient(nc, options.prefix, 10_000, devCallerSigner()),
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/** Signs callers as the gateway does, with the development key (CALLER_PUBLIC_KEYS' default). */
export function devCallerSigner(): CallerSigner {
  return new CallerSigner(parseCallerSigningKey(DEV_CALLER_SIGNING_KEY), 60);
}
