import { Module } from '@nestjs/common';
import { OrgModule } from '../org/org.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Users of the platform and their roles (an agent user is an org agent too). */
@Module({
  imports: [OrgModule],
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
