import { SettingEntity } from '@closeloop/persistence';
import { GatewayInitial1763900000000 } from './migrations/1763900000000-GatewayInitial';
import { OrgDirectory1796155618498 } from './migrations/1796155618498-OrgDirectory';
import { LoginLimits1796673176040 } from './migrations/1796673176040-LoginLimits';
import { LoginLimitEntity } from './auth/entities/login-limit.entity';
import { ScheduledJobs1796672872445 } from './migrations/1796672872445-ScheduledJobs';
import { UserEntity } from './users/entities/user.entity';
import { DepartmentEntity } from './org/entities/department.entity';
import { StoreEntity } from './org/entities/store.entity';
import { SkillEntity } from './org/entities/skill.entity';

export const gatewayPersistence = {
  schema: 'gateway',
  entities: [UserEntity, SettingEntity, DepartmentEntity, StoreEntity, SkillEntity, LoginLimitEntity],
  migrations: [
    GatewayInitial1763900000000,
    // one migration a line, so branches that each add one merge cleanly
    OrgDirectory1796155618498,
    ScheduledJobs1796672872445,
    LoginLimits1796673176040,
  ],
};
