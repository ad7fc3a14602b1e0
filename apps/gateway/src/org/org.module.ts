import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { CallerDirectory } from './caller-directory';
import { DepartmentsController } from './departments.controller';
import { DepartmentsService } from './departments.service';
import { SkillsController } from './skills.controller';
import { SkillsService } from './skills.service';
import { StoresController } from './stores.controller';
import { StoresService } from './stores.service';

/**
 * The org directory (`/api/v1/org/...`): departments, stores, skills and agents, owned by the gateway and
 * announced to the other services as `org.*.v1` events through the gateway's outbox. It also answers who a
 * caller is right now (CallerDirectory), which the auth guard uses on every request.
 */
@Module({
  controllers: [DepartmentsController, StoresController, SkillsController, AgentsController],
  providers: [CallerDirectory, DepartmentsService, StoresService, SkillsService, AgentsService],
  exports: [CallerDirectory, AgentsService],
})
export class OrgModule {}
