import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { bootstrapService, runMain, type BootstrapOptions } from './bootstrap';
import { loadEnv, type CommonEnv } from './env';
import { runServiceCommand, SERVICE_COMMANDS, type ServicePersistence } from './service-cli';

export interface ServiceDefinition<E extends CommonEnv> {
  service: string;
  env: ClassConstructor<E>;
  persistence: ServicePersistence;
  module: (env: E) => DynamicModule;
  http?: (env: E) => Pick<BootstrapOptions, 'bodyLimit' | 'trustProxy' | 'configure'>;
  /** Extra maintenance commands of this service: `main.js <name> [args]`, resolving to an exit code. */
  commands?: Record<string, (env: E, args: string[]) => Promise<number>>;
}

/**
 * A service's entry point: validates the environment, then either runs a maintenance command
 * (`migrate`, `migration:check`, `migration:generate <Name>`, or the service's own) or starts the service.
 */
export function runService<E extends CommonEnv>(definition: ServiceDefinition<E>): void {
  process.env.SERVICE_NAME ??= definition.service;
  runMain(async () => {
    const env = loadEnv(definition.env);
    const [command, ...args] = process.argv.slice(2);
    const own = command ? definition.commands?.[command] : undefined;
    if (own) {
      process.exitCode = await own(env, args);
      return;
    }
    if (command && (SERVICE_COMMANDS as readonly string[]).includes(command)) {
      process.exitCode = await runServiceCommand(
        definition.service,
        definition.persistence,
        env.DATABASE_URL,
        process.argv.slice(2),
      );
      return;
    }
    if (command) throw new Error(`unknown command ${command}`);
    await bootstrapService(definition.module(env), {
      service: definition.service,
      host: env.HTTP_HOST,
      port: env.HTTP_PORT ?? 0,
      trustProxy: env.TRUST_PROXY,
      ...definition.http?.(env),
    });
  });
}
