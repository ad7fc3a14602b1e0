import { runService } from '@closeloop/runtime';
import { runPiiRehash, runPiiRotation } from './customers/pii-rotation.command';
import { IntakeModule } from './intake.module';
import { IntakeEnv } from './intake.env';
import { intakePersistence } from './intake.persistence';

runService({
  service: 'intake',
  env: IntakeEnv,
  persistence: intakePersistence,
  module: (env) => IntakeModule.register(env),
  commands: { 'pii:rotate': runPiiRotation, 'pii:rehash': runPiiRehash },
});
