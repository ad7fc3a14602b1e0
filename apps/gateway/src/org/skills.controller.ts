import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateSkillDto, SkillListQuery, UpdateSkillDto } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { DirectoryRecordsController } from './org-record.controller';
import { skillView, SkillPageView, SkillView } from './org.views';
import { SkillsService } from './skills.service';

/** R3: the skill catalog that agents hold and dispatch rules require. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/skills')
@Roles('admin', 'supervisor')
export class SkillsController extends DirectoryRecordsController({
  path: 'skills',
  service: SkillsService,
  toView: skillView,
  create: CreateSkillDto,
  update: UpdateSkillDto,
  query: SkillListQuery,
  view: SkillView,
  page: SkillPageView,
}) {}
