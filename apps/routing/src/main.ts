import { runService } from '@closeloop/runtime';
import { RoutingModule } from './routing.module';
import { RoutingEnv } from './routing.env';
import { routingPersistence } from './routing.persistence';

runService({
  service: 'routing',
  env: RoutingEnv,
  persistence: routingPersistence,
  module: (env) => RoutingModule.register(env),
});
