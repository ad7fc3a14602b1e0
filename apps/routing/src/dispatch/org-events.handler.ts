import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { EventContext, EventPattern } from '@closeloop/runtime';
import {
  OrgEvents,
  type OrgAgentChangedV1,
  type OrgDepartmentChangedV1,
  type OrgSkillChangedV1,
  type OrgStoreChangedV1,
} from '@closeloop/contracts';
import { AssignmentService } from './assignment.service';
import { OrgDirectoryService } from '../org/org-directory.service';

/**
 * The `routing-org-*` consumers: the gateway's `org.*.v1` events into routing's read model, each exactly once
 * (inbox) and never older over newer (versions). An agent's change also moves tickets (AssignmentService).
 *
 * One durable consumer per event type, each filtered on its exact subject (nats-server 2.9 allows one filter
 * per consumer): a single consumer for all four would receive, decode and skip every other event on the
 * stream, tickets and feedback included.
 */
@Controller()
export class OrgEventsHandler {
  constructor(
    private readonly directory: OrgDirectoryService,
    private readonly assignment: AssignmentService,
  ) {}

  @EventPattern(OrgEvents.departmentChanged, { consumer: 'org-departments' })
  async department(@Payload() data: OrgDepartmentChangedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.directory.applyDepartment(tx.manager, data);
    this.assignment.forgetDepartmentStates();
  }

  @EventPattern(OrgEvents.agentChanged, { consumer: 'org-agents' })
  async agent(@Payload() data: OrgAgentChangedV1, @Ctx() { tx }: EventContext): Promise<void> {
    // R3: availability, capacity and membership decide who takes queued tickets, and who gives theirs back.
    const before = await this.directory.agent(tx.manager, data.userId);
    await this.assignment.beforeAgentChange(tx, [...(before?.departmentIds ?? []), ...data.departmentIds]);
    await this.assignment.onAgentChanged(tx, await this.directory.applyAgent(tx.manager, data));
  }

  @EventPattern(OrgEvents.storeChanged, { consumer: 'org-stores' })
  async store(@Payload() data: OrgStoreChangedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.directory.applyStore(tx.manager, data);
  }

  @EventPattern(OrgEvents.skillChanged, { consumer: 'org-skills' })
  async skill(@Payload() data: OrgSkillChangedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.directory.applySkill(tx.manager, data);
  }
}
