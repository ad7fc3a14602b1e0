import type { InProcessService, ServiceStartOptions, TestScope } from '@closeloop/testing';
import { GatewayEnv } from '../gateway.env';
import { GatewayModule } from '../gateway.module';

/** A gateway in this process on the scope's database and prefix (configure: its HTTP set-up, if any). */
export function startGateway(scope: TestScope, options: ServiceStartOptions = {}): Promise<InProcessService> {
  return scope.start(GatewayEnv, (env) => GatewayModule.register(env), options);
}
