import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import type { RoutingEnv } from './routing.env';
import { routingPersistence } from './routing.persistence';
import { AssignmentService } from './dispatch/assignment.service';
import { OrgDirectoryRepository } from './org/org-directory.repository';
import { OrgDirectoryService } from './org/org-directory.service';
import { OrgEventsHandler } from './org/org-events.handler';
import { SettingsHandler } from './settings/settings.handler';
import { SettingsRepository } from './settings/settings.repository';
import { SettingsService } from './settings/settings.service';
import { RoutingSettings } from './sla/sla-settings.repository';
import { TicketHandler } from './tickets/ticket.handler';
import { TicketRepository } from './tickets/ticket.repository';
import { TicketService } from './tickets/ticket.service';

@Module({})
export class RoutingModule {
  static register(env: RoutingEnv): DynamicModule {
    return {
      module: RoutingModule,
      imports: [PlatformModule.forRoot({ service: 'routing', env, ...routingPersistence })],
      providers: [
        RoutingSettings,
        SettingsRepository,
        SettingsService,
        SettingsHandler,
        TicketRepository,
        TicketService,
        TicketHandler,
        OrgDirectoryRepository,
        OrgDirectoryService,
        OrgEventsHandler,
        AssignmentService,
      ],
    };
  }
}
