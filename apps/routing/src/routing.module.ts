import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { CollaborationModule } from './collaboration/collaboration.module';
import { ComplianceModule } from './compliance/compliance.module';
import { CustomersModule } from './customers/customers.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { ImprovementModule } from './improvement/improvement.module';
import { OrgModule } from './org/org.module';
import type { RoutingEnv } from './routing.env';
import { routingPersistence } from './routing.persistence';
import { SettingsModule } from './settings/settings.module';
import { SlaSweepModule } from './sla-sweep/sla-sweep.module';
import { SlaModule } from './sla/sla.module';
import { TicketsModule } from './tickets/tickets.module';

/**
 * routing: one Nest module per feature folder, each importing the modules of the folders it uses
 * (docs/code-roles.md, "Modules"). From the bottom: settings and org; sla and dispatch; tickets; the SLA
 * sweep and collaboration above tickets; compliance, improvement and customers beside. The NATS edges
 * (@MessagePattern and @EventPattern methods, decision 0019) are the feature modules' controllers.
 */
@Module({})
export class RoutingModule {
  static register(env: RoutingEnv): DynamicModule {
    return {
      module: RoutingModule,
      imports: [
        PlatformModule.forRoot({ service: 'routing', env, ...routingPersistence }),
        SettingsModule,
        OrgModule,
        SlaModule,
        DispatchModule,
        TicketsModule,
        SlaSweepModule,
        CollaborationModule,
        ComplianceModule,
        ImprovementModule,
        CustomersModule,
      ],
    };
  }
}
