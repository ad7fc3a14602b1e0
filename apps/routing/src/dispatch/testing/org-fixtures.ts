import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  createTestScope,
  pollUntil,
  testNats,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import {
  eventSubject,
  RoutingSettingsRpc,
  type Caller,
  type EventType,
  type FeedbackReceivedV1,
  type OrgAgentChangedV1,
  type OrgDepartmentChangedV1,
  type OrgSkillChangedV1,
} from '@closeloop/contracts';

import { startRouting } from '../../testing/routing-fixtures';

/** The departments the seeded dispatch rules name (migration DispatchRules; the gateway announces them). */
export const SEEDED_DEPARTMENTS = ['customer-service', 'technical-support', 'after-sales', 'finance'];

/** A staff caller with a fresh user id. */
export const staffCaller = (roles: Caller['roles'], departments: string[] = []): Caller => ({
  userId: randomUUID(),
  roles,
  departments,
  stores: [],
});

/** Replaces routing's dispatch rules (R3) as an admin would, against the current version. */
export async function putDispatchRules(
  routing: InProcessService,
  rules: { id: string; match: object; department: string }[],
  fallbackDepartment: string,
): Promise<void> {
  const admin = staffCaller(['admin']);
  const current = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'dispatch' });
  await routing.rpc.request(RoutingSettingsRpc.put, {
    caller: admin,
    key: 'dispatch',
    ifMatch: current.etag,
    value: { rules, fallbackDepartment },
  });
}

/**
 * Builders for routing's integration tests: the events the gateway (org directory) and intake (feedback)
 * would publish, with versions that grow per record as the gateway's do.
 */
export class OrgFixtures {
  private readonly versions = new Map<string, number>();
  private ticketSeq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    /** Ticket numbers are `<day><6 digits>`; a distinct day per test file keeps them apart. */
    private readonly day = '20261201',
  ) {}

  private nextVersion(key: string): number {
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    return version;
  }

  department(id: string, overrides: Partial<OrgDepartmentChangedV1> = {}): OrgDepartmentChangedV1 {
    return {
      departmentId: id,
      parentId: null,
      supervisorIds: [],
      calendarId: null,
      assignmentStrategy: 'round_robin',
      preferPreviousAgent: false,
      active: true,
      version: this.nextVersion(`d:${id}`),
      changedAt: new Date().toISOString(),
      ...overrides,
    };
  }

  agent(
    userId: string,
    departments: string[],
    overrides: Partial<OrgAgentChangedV1> = {},
  ): OrgAgentChangedV1 {
    return {
      userId,
      roles: ['agent'],
      departmentIds: departments,
      storeIds: [],
      skillIds: [],
      capacity: 5,
      availability: 'on_shift',
      active: true,
      version: this.nextVersion(`a:${userId}`),
      changedAt: new Date().toISOString(),
      ...overrides,
    };
  }

  skill(id: string): OrgSkillChangedV1 {
    return {
      skillId: id,
      active: true,
      version: this.nextVersion(`s:${id}`),
      changedAt: new Date().toISOString(),
    };
  }

  feedback(category: string, overrides: Partial<FeedbackReceivedV1> = {}): FeedbackReceivedV1 {
    this.ticketSeq += 1;
    return {
      feedbackId: randomUUID(),
      ticketNo: `${this.day}${String(this.ticketSeq).padStart(6, '0')}`,
      customerId: randomUUID(),
      channel: 'hotline',
      type: 'complaint',
      category,
      level: 'L2',
      receivedAt: new Date().toISOString(),
      ...overrides,
    };
  }

  /** A CloudEvents envelope as the services' outboxes write them. */
  envelope(type: EventType, data: object, id: string = randomUUID()) {
    return {
      specversion: '1.0',
      id,
      type,
      source: 'closeloop/test',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data,
    };
  }

  /** Envelopes for directory events, typed by their shape. */
  directoryEnvelopes(events: (OrgDepartmentChangedV1 | OrgAgentChangedV1 | OrgSkillChangedV1)[]) {
    return events.map((event) =>
      this.envelope(
        'departmentId' in event
          ? 'org.department-changed.v1'
          : 'userId' in event
            ? 'org.agent-changed.v1'
            : 'org.skill-changed.v1',
        event,
      ),
    );
  }

  /** Stores envelopes on the stream at once; each copy gets its own message id (no broker dedupe). */
  async publish(...envelopes: { id: string; type: EventType }[]): Promise<void> {
    const js = jetstream(this.nc);
    await Promise.all(
      envelopes.map((e) =>
        js.publish(eventSubject(this.prefix, e.type), JSON.stringify(e), { msgID: randomUUID() }),
      ),
    );
  }

  /** Publishes a `feedback.received.v1` and waits until routing has opened and dispatched its ticket. */
  async openTicket(db: TestDatabase, data: FeedbackReceivedV1): Promise<string> {
    await this.openTickets(db, [data]);
    return data.ticketNo;
  }

  /** Publishes these `feedback.received.v1` at once and waits until routing has dispatched every ticket. */
  async openTickets(db: TestDatabase, list: FeedbackReceivedV1[]): Promise<void> {
    await this.publish(...list.map((data) => this.envelope('feedback.received.v1', data)));
    await pollUntil(
      () =>
        db.query(`SELECT 1 FROM routing.ticket_dispatch WHERE ticket_no = ANY($1)`, [
          list.map((f) => f.ticketNo),
        ]),
      (rows) => rows.length === list.length,
      { what: `${list.length} tickets dispatched` },
    );
  }

  /** Publishes directory events as the gateway would and waits until routing has handled every one. */
  async applyDirectory(
    db: TestDatabase,
    ...events: (OrgDepartmentChangedV1 | OrgAgentChangedV1 | OrgSkillChangedV1)[]
  ): Promise<void> {
    const envelopes = this.directoryEnvelopes(events);
    await this.publish(...envelopes);
    await pollUntil(
      () => db.query(`SELECT 1 FROM routing.inbox WHERE event_id = ANY($1)`, [envelopes.map((e) => e.id)]),
      (rows) => rows.length === envelopes.length,
      { what: 'directory events handled' },
    );
  }
}

export interface RoutingWithOrg {
  db: TestDatabase;
  prefix: string;
  nc: NatsConnection;
  org: OrgFixtures;
  routing: InProcessService;
  close(): Promise<void>;
}

/**
 * Routing in this process on a database and subject prefix of its own, with the queue sweep off (assignment
 * happens in the events' transactions), and org fixtures publishing to it; `close()` removes it all.
 */
export async function startRoutingWithOrg(label: string, day?: string): Promise<RoutingWithOrg> {
  const scope = await createTestScope(label);
  const nc = await testNats();
  scope.defer(() => nc.close());
  const org = new OrgFixtures(nc, scope.prefix, day);
  const routing = await startRouting(scope, { env: { DISPATCH_SWEEP_SECONDS: '0' } });
  return { db: scope.db, prefix: scope.prefix, nc, org, routing, close: () => scope.close() };
}
