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
import { AssignmentService } from '../dispatch/assignment.service';
import { OrgDirectoryService } from './org-directory.service';

/**
 * The `routing-org-*` consumers: the gateway's `org.*.v1` events into routing's read model, each exactly once
 * (inbox) and never older over newer (versions). An agent's change also moves tickets (AssignmentService).
 */
@Injectable()
export class OrgEventsHandler implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly directory: OrgDirectoryService,
    private readonly assignment: AssignmentService,
  ) {}

  onModuleInit(): void {
    const department: EventHandler<OrgDepartmentChangedV1> = {
      event: OrgEvents.departmentChanged,
      handle: async (data, tx) => {
        await this.directory.applyDepartment(tx.manager, data);
        this.assignment.forgetDepartmentStates();
      },
    };
    const agent: EventHandler<OrgAgentChangedV1> = {
      event: OrgEvents.agentChanged,
      handle: async (data, tx) => {
        // R3: availability, capacity and membership decide who takes queued tickets, and who gives theirs back.
        const before = await this.directory.agent(tx.manager, data.userId);
        await this.assignment.beforeAgentChange(tx, [
          ...(before?.departmentIds ?? []),
          ...data.departmentIds,
        ]);
        await this.assignment.onAgentChanged(tx, await this.directory.applyAgent(tx.manager, data));
      },
    };
    const store: EventHandler<OrgStoreChangedV1> = {
      event: OrgEvents.storeChanged,
      handle: async (data, tx) => void (await this.directory.applyStore(tx.manager, data)),
    };
    const skill: EventHandler<OrgSkillChangedV1> = {
      event: OrgEvents.skillChanged,
      handle: async (data, tx) => void (await this.directory.applySkill(tx.manager, data)),
    };
    // One durable consumer per event type, each filtered on its exact subject (nats-server 2.9 allows one
    // filter per consumer): a single consumer for all four would receive, decode and skip every other event
    // on the stream, tickets and feedback included.
    this.consumers.register('org-departments', [department]);
    this.consumers.register('org-agents', [agent]);
    this.consumers.register('org-stores', [store]);
    this.consumers.register('org-skills', [skill]);
  }
}
