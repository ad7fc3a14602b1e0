import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateDepartmentDto, DepartmentListQuery, UpdateDepartmentDto } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { DepartmentsService } from './departments.service';
import { DirectoryRecordsController } from './org-record.controller';
import { departmentView, DepartmentPageView, DepartmentView } from './org.views';

/** R3, R7: departments. Admins change them; supervisors read them (to reassign, to pull in collaborators). */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/departments')
@Roles('admin', 'supervisor')
export class DepartmentsController extends DirectoryRecordsController({
  path: 'departments',
  service: DepartmentsService,
  toView: departmentView,
  create: CreateDepartmentDto,
  update: UpdateDepartmentDto,
  query: DepartmentListQuery,
  view: DepartmentView,
  page: DepartmentPageView,
}) {}
