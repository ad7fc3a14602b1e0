import 'reflect-metadata';
import { bootstrapService, loadEnv, runMain, runServiceCommand, SERVICE_COMMANDS } from '@closeloop/runtime';
import { runPiiRotation } from './customers/pii-rotation.command';
import { IntakeModule } from './intake.module';
import { IntakeEnv } from './intake.env';
import { intakePersistence } from './intake.persistence';

process.env.SERVICE_NAME ??= 'intake';

runMain(async () => {
  const env = loadEnv(IntakeEnv);
  const command = process.argv[2] as (typeof SERVICE_COMMANDS)[number] | 'pii:rotate' | undefined;
  if (command === 'pii:rotate') {
    process.exitCode = await runPiiRotation(env, process.argv.slice(3));
    return;
  }
  if (command && SERVICE_COMMANDS.includes(command)) {
    process.exitCode = await runServiceCommand(
      'intake',
      intakePersistence,
      env.DATABASE_URL,
      process.argv.slice(2),
    );
    return;
  }
  await bootstrapService(IntakeModule.register(env), {
    service: 'intake',
    host: env.HTTP_HOST,
    port: env.HTTP_PORT,
  });
});
