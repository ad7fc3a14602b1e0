import 'reflect-metadata';
import { bootstrapService, loadEnv, runMain, runServiceCommand, SERVICE_COMMANDS } from '@closeloop/runtime';
import { GatewayModule } from './gateway.module';
import { GatewayEnv } from './gateway.env';
import { gatewayPersistence } from './gateway.persistence';
import { configureGatewayHttp } from './http/configure';

process.env.SERVICE_NAME ??= 'gateway';

runMain(async () => {
  const env = loadEnv(GatewayEnv);
  const command = process.argv[2] as (typeof SERVICE_COMMANDS)[number] | undefined;
  if (command && SERVICE_COMMANDS.includes(command)) {
    process.exitCode = await runServiceCommand(
      'gateway',
      gatewayPersistence,
      env.DATABASE_URL,
      process.argv.slice(2),
    );
    return;
  }
  await bootstrapService(GatewayModule.register(env), {
    service: 'gateway',
    host: env.HTTP_HOST,
    port: env.HTTP_PORT,
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    configure: configureGatewayHttp,
  });
});
