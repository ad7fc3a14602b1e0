import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CreateSkillDto, SkillListQuery, UpdateSkillDto, type Page } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { created, IfMatchRequired, withEtag } from './org-http';
import { pageView, skillView, SkillPageView, SkillView } from './org.views';
import { SkillsService } from './skills.service';

/** R3: the skill catalog that agents hold and dispatch rules require. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/skills')
@Roles('admin', 'supervisor')
export class SkillsController {
  constructor(private readonly skills: SkillsService) {}

  @Get()
  @ApiOkResponse({ type: SkillPageView })
  async list(@Query() query: SkillListQuery): Promise<Page<SkillView>> {
    return pageView(await this.skills.list(query), skillView);
  }

  @Get(':id')
  @ApiOkResponse({ type: SkillView })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<SkillView> {
    return withEtag(reply, skillView(await this.skills.get(id)));
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiCreatedResponse({ type: SkillView })
  @ApiConflictResponse({ description: 'ORG.ID_TAKEN' })
  async create(
    @Body() body: CreateSkillDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SkillView> {
    const skill = skillView(await this.skills.create(body));
    return created(reply, `/api/v1/org/skills/${skill.id}`, skill);
  }

  @Patch(':id')
  @Roles('admin')
  @IfMatchRequired()
  @ApiOkResponse({ type: SkillView })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateSkillDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SkillView> {
    return withEtag(reply, skillView(await this.skills.update(id, body, ifMatch)));
  }
}
