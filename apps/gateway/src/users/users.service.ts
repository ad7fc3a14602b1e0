import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { isUniqueViolation } from '@closeloop/persistence';
import { SERVICE_ENV } from '@closeloop/runtime';
import { DomainError } from '@closeloop/contracts';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from '../auth/password-hasher';
import type { GatewayEnv } from '../gateway.env';
import { AgentsService, isAgentUser } from '../org/agents.service';
import { UserEntity } from './entities/user.entity';
import type { CreateUserDto, UserView } from './user.dto';

const log = createLogger('users');

@Injectable()
export class UsersService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly agents: AgentsService,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /** The first admin comes from ADMIN_EMAIL / ADMIN_PASSWORD; safe when several replicas start at once. */
  async onModuleInit(): Promise<void> {
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({
        id: randomUUID(),
        email: this.env.ADMIN_EMAIL.toLowerCase(),
        displayName: 'Administrator',
        passwordHash: await hashPassword(this.env.ADMIN_PASSWORD),
        roles: ['admin'],
        departments: [],
        stores: [],
        active: true,
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((result.raw as unknown[]).length > 0) log.info('first admin created from ADMIN_EMAIL');
  }

  /**
   * The user if the password is right; null otherwise (same timing either way). A hash made with older
   * parameters is replaced by one with today's while the password is at hand (only if nobody changed it since).
   */
  async authenticate(email: string, password: string): Promise<UserEntity | null> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ email: email.toLowerCase() });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!ok || !user?.active) return null;
    if (needsRehash(user.passwordHash)) {
      await this.dataSource.query(
        'UPDATE gateway.users SET password_hash = $1 WHERE id = $2 AND password_hash = $3',
        [await hashPassword(password), user.id, user.passwordHash],
      );
    }
    return user;
  }

  async create(input: CreateUserDto): Promise<UserView> {
    const user: Omit<UserEntity, 'createdAt' | 'updatedAt'> = {
      id: randomUUID(),
      email: input.email.toLowerCase(),
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      roles: input.roles,
      departments: input.departments ?? [],
      stores: input.stores ?? [],
      skills: [],
      capacity: 0,
      availability: 'away',
      active: true,
      version: 1,
    };
    const saved = await this.uow.run(async (tx) => {
      await this.agents.checkReferences(tx.manager, user, null);
      try {
        await tx.manager.getRepository(UserEntity).insert(user);
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_uq')) throw new DomainError('USER.EMAIL_TAKEN');
        throw error;
      }
      const created = await tx.manager.getRepository(UserEntity).findOneByOrFail({ id: user.id });
      // An agent or supervisor made here is in the org directory too (no capacity until an admin sets it).
      if (isAgentUser(created)) await this.agents.announce(tx, created);
      return created;
    });
    return toView(saved);
  }

  async list(): Promise<UserView[]> {
    const users = await this.dataSource
      .getRepository(UserEntity)
      .find({ order: { createdAt: 'ASC' }, take: 1000 });
    return users.map(toView);
  }
}

function toView(user: UserEntity): UserView {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    departments: user.departments,
    stores: user.stores,
    active: user.active,
    createdAt: user.createdAt.toISOString(),
  };
}
