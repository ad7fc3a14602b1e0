import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { CallerDirectoryRepository } from './caller-directory.repository';
import { DepartmentsController } from './departments.controller';
import { DepartmentsService } from './departments.service';
import { SkillsController } from './skills.controller';
import { SkillsService } from './skills.service';
import { StoresController } from './stores.controller';
import { StoresService } from './stores.service';

/**
 * The org directory (`/api/v1/org/...`): departments, stores, skills and agents, owned by the gateway and
 * announced to the other services as `org.*.v1` events through the gateway's outbox. It also answers who a
 * caller is right now (CallerDirectoryRepository), which the auth guard uses on every request.
 */
@Module({
  controllers: [DepartmentsController, StoresController, SkillsController, AgentsController],
  providers: [CallerDirectoryRepository, DepartmentsService, StoresService, SkillsService, AgentsService],
  exports: [CallerDirectoryRepository, AgentsService],
})
export class OrgModule {}
