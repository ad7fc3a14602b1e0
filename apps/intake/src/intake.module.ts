import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { AuditModule } from './audit/audit.module';
import { CustomersModule } from './customers/customers.module';
import { FeedbackModule } from './feedback/feedback.module';
import { ImportsModule } from './imports/imports.module';
import type { IntakeEnv } from './intake.env';
import { intakePersistence } from './intake.persistence';
import { OrdersModule } from './orders/orders.module';
import { RetentionModule } from './retention/retention.module';
import { SegmentsModule } from './segments/segments.module';
import { SettingsModule } from './settings/settings.module';
import { TicketNumbersModule } from './ticket-numbers/ticket-numbers.module';

/**
 * intake: one Nest module per feature folder, each importing the modules of the folders it uses
 * (docs/code-roles.md, "Modules"). From the bottom: settings, audit and ticket numbers; segments;
 * customers; orders and feedback; imports and retention. The NATS edges (@MessagePattern and
 * @EventPattern methods, decision 0019) are the feature modules' controllers.
 */
@Module({})
export class IntakeModule {
  static register(env: IntakeEnv): DynamicModule {
    return {
      module: IntakeModule,
      imports: [
        PlatformModule.forRoot({ service: 'intake', env, ...intakePersistence }),
        SettingsModule,
        AuditModule,
        TicketNumbersModule,
        SegmentsModule,
        CustomersModule,
        OrdersModule,
        FeedbackModule,
        ImportsModule,
        RetentionModule,
      ],
    };
  }
}
