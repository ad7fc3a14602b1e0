import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import {
  OrgEvents,
  type OrgAgentChangedV1,
  type OrgDepartmentChangedV1,
  type OrgSkillChangedV1,
  type OrgStoreChangedV1,
} from '@closeloop/contracts';
import { OrgDirectoryService } from './org-directory.service';

/**
 * The `routing-org` consumer: the gateway's `org.*.v1` events into routing's read model, each exactly once
 * (inbox) and never older over newer (versions).
 */
@Injectable()
export class OrgEventsHandler implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly directory: OrgDirectoryService,
  ) {}

  onModuleInit(): void {
    const department: EventHandler<OrgDepartmentChangedV1> = {
      event: OrgEvents.departmentChanged,
      handle: async (data, tx) => void (await this.directory.applyDepartment(tx.manager, data)),
    };
    const agent: EventHandler<OrgAgentChangedV1> = {
      event: OrgEvents.agentChanged,
      handle: async (data, tx) => void (await this.directory.applyAgent(tx.manager, data)),
    };
    const store: EventHandler<OrgStoreChangedV1> = {
      event: OrgEvents.storeChanged,
      handle: async (data, tx) => void (await this.directory.applyStore(tx.manager, data)),
    };
    const skill: EventHandler<OrgSkillChangedV1> = {
      event: OrgEvents.skillChanged,
      handle: async (data, tx) => void (await this.directory.applySkill(tx.manager, data)),
    };
    this.consumers.register('org', [department, agent, store, skill]);
  }
}
