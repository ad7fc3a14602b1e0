import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ArrayContains, ArrayOverlap, DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { isUniqueViolation } from '@closeloop/persistence';
import {
  AGENT_ROLES,
  DomainError,
  hasRole,
  OrgEvents,
  type AgentListQuery,
  type Availability,
  type Caller,
  type CreateAgentDto,
  type FieldError,
  type Page,
  type Role,
  type UpdateAgentDto,
} from '@closeloop/contracts';
import { hashPassword } from '../auth/password-hasher';
import { UserEntity } from '../users/entities/user.entity';
import { CallerDirectoryRepository } from './caller-directory.repository';
import { DepartmentEntity } from './entities/department.entity';
import { SkillEntity } from './entities/skill.entity';
import { StoreEntity } from './entities/store.entity';
import { activeWhere, checkIfMatch, DirectoryTable } from './org-records';

/** Agents are the staff users with the agent or supervisor role. */
const IS_AGENT: FindOptionsWhere<UserEntity> = { roles: ArrayOverlap([...AGENT_ROLES]) };

/** Agent ids are user ids (UUIDs): anything else names no agent. */
function agentId(id: string): string {
  if (!isUUID(id)) throw new DomainError('AGENT.NOT_FOUND', `no agent ${id}`);
  return id;
}

export function isAgentUser(user: Pick<UserEntity, 'roles'>): boolean {
  return user.roles.some((role) => (AGENT_ROLES as readonly Role[]).includes(role));
}

/**
 * Agents of the org directory (R3: skill, load, availability): staff users with the agent or supervisor
 * role, their departments, stores, skills, capacity and availability. Every change is versioned and
 * announced as `org.agent-changed.v1`, which routing's assignment follows.
 */
@Injectable()
export class AgentsService {
  private readonly users = new DirectoryTable(UserEntity, 'AGENT.NOT_FOUND');
  private readonly departments = new DirectoryTable(DepartmentEntity, 'DEPARTMENT.NOT_FOUND');
  private readonly stores = new DirectoryTable(StoreEntity, 'STORE.NOT_FOUND');
  private readonly skills = new DirectoryTable(SkillEntity, 'SKILL.NOT_FOUND');

  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly callers: CallerDirectoryRepository,
  ) {}

  list(query: AgentListQuery): Promise<Page<UserEntity>> {
    const where: FindOptionsWhere<UserEntity> = {
      ...IS_AGENT,
      ...activeWhere(query.active),
      ...(query.departmentId ? { departments: ArrayContains([query.departmentId]) } : {}),
      ...(query.skillId ? { skills: ArrayContains([query.skillId]) } : {}),
      ...(query.availability ? { availability: query.availability } : {}),
    };
    return this.users.page(this.dataSource.manager, where, query);
  }

  get(id: string): Promise<UserEntity> {
    return this.users.get(this.dataSource.manager, agentId(id), IS_AGENT);
  }

  async create(input: CreateAgentDto): Promise<UserEntity> {
    const passwordHash = await hashPassword(input.password);
    return this.uow.run(async (tx) => {
      const user = {
        id: randomUUID(),
        email: input.email.toLowerCase(),
        displayName: input.displayName,
        passwordHash,
        roles: input.roles,
        departments: input.departmentIds ?? [],
        stores: input.storeIds ?? [],
        skills: input.skillIds ?? [],
        capacity: input.capacity,
        availability: input.availability ?? 'away',
        active: true,
        version: 1,
      };
      await this.checkReferences(tx.manager, user, null);
      try {
        await tx.manager.getRepository(UserEntity).insert(user);
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_uq')) throw new DomainError('USER.EMAIL_TAKEN');
        throw error;
      }
      const saved = await this.users.get(tx.manager, user.id);
      await this.announce(tx, saved);
      return saved;
    });
  }

  async update(id: string, input: UpdateAgentDto, ifMatch: string | undefined): Promise<UserEntity> {
    const saved = await this.uow.run(async (tx) => {
      const current = await this.users.lock(tx.manager, agentId(id), IS_AGENT);
      checkIfMatch(ifMatch, current.version);
      const changed: UserEntity = {
        ...current,
        roles: input.roles
          ? [...current.roles.filter((role) => !isAgentUser({ roles: [role] })), ...input.roles]
          : current.roles,
        departments: input.departmentIds ?? current.departments,
        stores: input.storeIds ?? current.stores,
        skills: input.skillIds ?? current.skills,
        capacity: input.capacity ?? current.capacity,
        active: input.active ?? current.active,
      };
      await this.checkReferences(tx.manager, changed, current);
      const user = await this.users.saveNextVersion(tx.manager, changed);
      await this.announce(tx, user);
      return user;
    });
    // Membership and roles decide what the user may see: their next request uses the new ones.
    this.callers.forget(id);
    return saved;
  }

  /**
   * R3 availability: an agent sets their own; a supervisor sets it for the agents of the departments they
   * supervise or belong to; an admin for anyone. If-Match is optional here: the latest word on whether
   * someone is at their desk wins, but a client that sends one still gets 412 when it is stale.
   */
  async setAvailability(
    caller: Caller,
    id: string,
    availability: Availability,
    ifMatch: string | undefined,
  ): Promise<UserEntity> {
    return this.uow.run(async (tx) => {
      const current = await this.users.lock(tx.manager, agentId(id), IS_AGENT);
      this.authorizeAvailability(caller, current);
      if (ifMatch !== undefined) checkIfMatch(ifMatch, current.version);
      if (current.availability === availability) return current;
      const user = await this.users.saveNextVersion(tx.manager, { ...current, availability });
      await this.announce(tx, user);
      return user;
    });
  }

  private authorizeAvailability(caller: Caller, agent: UserEntity): void {
    if (caller.userId === agent.id || hasRole(caller, 'admin')) return;
    const shared = agent.departments.some((department) => caller.departments.includes(department));
    if (hasRole(caller, 'supervisor') && shared) return;
    // Not one of yours: the same answer as an agent that does not exist.
    throw new DomainError('AGENT.NOT_FOUND', `no agent ${agent.id} in your departments`);
  }

  /** Departments, stores and skills newly given must be active records of the directory. */
  async checkReferences(
    manager: EntityManager,
    user: Pick<UserEntity, 'departments' | 'stores' | 'skills'>,
    before: Pick<UserEntity, 'departments' | 'stores' | 'skills'> | null,
  ): Promise<void> {
    const added = (now: string[], then: string[] | undefined) => now.filter((id) => !then?.includes(id));
    const problems: FieldError[] = [
      ...(await this.departments.checkReferences(
        manager,
        'departmentIds',
        added(user.departments, before?.departments),
      )),
      ...(await this.stores.checkReferences(manager, 'storeIds', added(user.stores, before?.stores))),
      ...(await this.skills.checkReferences(manager, 'skillIds', added(user.skills, before?.skills))),
    ];
    if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', 'the agent is invalid', problems);
  }

  /** `org.agent-changed.v1` with the whole profile; also used when /users creates an agent. */
  async announce(tx: Tx, user: UserEntity): Promise<void> {
    await tx.publish(OrgEvents.agentChanged, {
      userId: user.id,
      roles: user.roles,
      departmentIds: user.departments,
      storeIds: user.stores,
      skillIds: user.skills,
      capacity: user.capacity,
      availability: user.availability,
      active: user.active,
      version: user.version,
      changedAt: user.updatedAt.toISOString(),
    });
  }
}
