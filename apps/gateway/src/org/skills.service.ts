import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import {
  OrgEvents,
  type CreateSkillDto,
  type Page,
  type SkillListQuery,
  type UpdateSkillDto,
} from '@closeloop/contracts';
import { SkillEntity } from './entities/skill.entity';
import { activeWhere, checkIfMatch, definedOnly, DirectoryTable } from './org-records';

/**
 * The skill catalog (R3: dispatch by skill). A deactivated skill can no longer be given to an agent; agents
 * who have it keep it, so categories that still require it still find them.
 */
@Injectable()
export class SkillsService {
  private readonly table = new DirectoryTable(SkillEntity, 'SKILL.NOT_FOUND');

  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
  ) {}

  list(query: SkillListQuery): Promise<Page<SkillEntity>> {
    return this.table.page(this.dataSource.manager, activeWhere(query.active), query);
  }

  get(id: string): Promise<SkillEntity> {
    return this.table.get(this.dataSource.manager, id);
  }

  create(input: CreateSkillDto): Promise<SkillEntity> {
    return this.uow.run(async (tx) => {
      const skill = await this.table.insert(tx.manager, { id: input.id, name: input.name, active: true });
      await this.announce(tx, skill);
      return skill;
    });
  }

  update(id: string, input: UpdateSkillDto, ifMatch: string | undefined): Promise<SkillEntity> {
    return this.uow.run(async (tx) => {
      const current = await this.table.lock(tx.manager, id);
      checkIfMatch(ifMatch, current.version);
      const skill = await this.table.saveNextVersion(tx.manager, { ...current, ...definedOnly(input) });
      await this.announce(tx, skill);
      return skill;
    });
  }

  private async announce(tx: Tx, skill: SkillEntity): Promise<void> {
    await tx.publish(OrgEvents.skillChanged, {
      skillId: skill.id,
      active: skill.active,
      version: skill.version,
      changedAt: skill.updatedAt.toISOString(),
    });
  }
}
