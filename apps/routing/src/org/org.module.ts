import { Module } from '@nestjs/common';
import { OrgDirectoryRepository } from './org-directory.repository';
import { OrgDirectoryService } from './org-directory.service';

/** routing's read model of the gateway's org directory (departments, stores, skills, agents). */
@Module({
  providers: [OrgDirectoryRepository, OrgDirectoryService],
  exports: [OrgDirectoryRepository, OrgDirectoryService],
})
export class OrgModule {}
