import { runService } from '@closeloop/runtime';
import { GatewayModule } from './gateway.module';
import { GatewayEnv } from './gateway.env';
import { gatewayPersistence } from './gateway.persistence';
import { configureGatewayHttp } from './http/configure';

runService({
  service: 'gateway',
  env: GatewayEnv,
  persistence: gatewayPersistence,
  module: (env) => GatewayModule.register(env),
  http: (env) => ({ bodyLimit: env.BODY_LIMIT_BYTES, configure: (app) => configureGatewayHttp(app, env) }),
});
