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
import {
  CreateDepartmentDto,
  DepartmentListQuery,
  UpdateDepartmentDto,
  type Page,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { DepartmentsService } from './departments.service';
import { created, IfMatchRequired, withEtag } from './org-http';
import { departmentView, DepartmentPageView, DepartmentView, pageView } from './org.views';

/** R3, R7: departments. Admins change them; supervisors read them (to reassign, to pull in collaborators). */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/departments')
@Roles('admin', 'supervisor')
export class DepartmentsController {
  constructor(private readonly departments: DepartmentsService) {}

  @Get()
  @ApiOkResponse({ type: DepartmentPageView })
  async list(@Query() query: DepartmentListQuery): Promise<Page<DepartmentView>> {
    return pageView(await this.departments.list(query), departmentView);
  }

  @Get(':id')
  @ApiOkResponse({ type: DepartmentView, description: 'ETag header: the version to send as If-Match' })
  @ApiNotFoundResponse()
  async get(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DepartmentView> {
    return withEtag(reply, departmentView(await this.departments.get(id)));
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiCreatedResponse({ type: DepartmentView })
  @ApiConflictResponse({ description: 'ORG.ID_TAKEN: the id exists (ids are never reused)' })
  async create(
    @Body() body: CreateDepartmentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DepartmentView> {
    const department = departmentView(await this.departments.create(body));
    return created(reply, `/api/v1/org/departments/${department.id}`, department);
  }

  /** Changes the given fields; `active: false` deactivates (409 ORG.IN_USE while active records use it). */
  @Patch(':id')
  @Roles('admin')
  @IfMatchRequired()
  @ApiOkResponse({ type: DepartmentView })
  @ApiConflictResponse({ description: 'ORG.IN_USE: active sub-departments or stores still belong to it' })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateDepartmentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DepartmentView> {
    return withEtag(reply, departmentView(await this.departments.update(id, body, ifMatch)));
  }
}
