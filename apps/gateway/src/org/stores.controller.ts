import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateStoreDto, StoreListQuery, UpdateStoreDto } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { DirectoryRecordsController } from './org-record.controller';
import { storeView, StorePageView, StoreView } from './org.views';
import { StoresService } from './stores.service';

/** C4: stores with their size class and department. Admins change them; supervisors read them. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/stores')
@Roles('admin', 'supervisor')
export class StoresController extends DirectoryRecordsController({
  path: 'stores',
  service: StoresService,
  toView: storeView,
  create: CreateStoreDto,
  update: UpdateStoreDto,
  query: StoreListQuery,
  view: StoreView,
  page: StorePageView,
}) {}
