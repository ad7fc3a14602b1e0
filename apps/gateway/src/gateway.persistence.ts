import { SettingEntity } from '@closeloop/persistence';
import { GatewayInitial1763900000000 } from './migrations/1763900000000-GatewayInitial';
import { UserEntity } from './users/entities/user.entity';

export const gatewayPersistence = {
  schema: 'gateway',
  entities: [UserEntity, SettingEntity],
  migrations: [GatewayInitial1763900000000],
};
