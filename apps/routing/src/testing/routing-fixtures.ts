import type { InProcessService, ServiceStartOptions, TestScope } from '@closeloop/testing';
import { RoutingEnv } from '../routing.env';
import { RoutingModule } from '../routing.module';

/** The SLA, dispatch and housekeeping sweeps off, so a test drives them itself. */
export const QUIET_ROUTING_SWEEPS = {
  SLA_SWEEP_INTERVAL_MS: '0',
  DISPATCH_SWEEP_SECONDS: '0',
  HOUSEKEEPING_INTERVAL_SECONDS: '0',
};

/** Routing in this process on the scope's database and prefix. */
export function startRouting(scope: TestScope, options: ServiceStartOptions = {}): Promise<InProcessService> {
  return scope.start(RoutingEnv, (env) => RoutingModule.register(env), options);
}
