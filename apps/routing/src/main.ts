import 'reflect-metadata';
import { bootstrapService, loadEnv, runMain, runServiceCommand, SERVICE_COMMANDS } from '@closeloop/runtime';
import { RoutingModule } from './routing.module';
import { RoutingEnv } from './routing.env';
import { routingPersistence } from './routing.persistence';

process.env.SERVICE_NAME ??= 'routing';

runMain(async () => {
  const env = loadEnv(RoutingEnv);
  const command = process.argv[2] as (typeof SERVICE_COMMANDS)[number] | undefined;
  if (command && SERVICE_COMMANDS.includes(command)) {
    process.exitCode = await runServiceCommand(
      'routing',
      routingPersistence,
      env.DATABASE_URL,
      process.argv.slice(2),
    );
    return;
  }
  await bootstrapService(RoutingModule.register(env), {
    service: 'routing',
    host: env.HTTP_HOST,
    port: env.HTTP_PORT,
  });
});
