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
import { CreateStoreDto, StoreListQuery, UpdateStoreDto, type Page } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { created, IfMatchRequired, withEtag } from './org-http';
import { pageView, storeView, StorePageView, StoreView } from './org.views';
import { StoresService } from './stores.service';

/** C4: stores with their size class and department. Admins change them; supervisors read them. */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/stores')
@Roles('admin', 'supervisor')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Get()
  @ApiOkResponse({ type: StorePageView })
  async list(@Query() query: StoreListQuery): Promise<Page<StoreView>> {
    return pageView(await this.stores.list(query), storeView);
  }

  @Get(':id')
  @ApiOkResponse({ type: StoreView })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StoreView> {
    return withEtag(reply, storeView(await this.stores.get(id)));
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiCreatedResponse({ type: StoreView })
  @ApiConflictResponse({ description: 'ORG.ID_TAKEN' })
  async create(
    @Body() body: CreateStoreDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StoreView> {
    const store = storeView(await this.stores.create(body));
    return created(reply, `/api/v1/org/stores/${store.id}`, store);
  }

  @Patch(':id')
  @Roles('admin')
  @IfMatchRequired()
  @ApiOkResponse({ type: StoreView })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateStoreDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StoreView> {
    return withEtag(reply, storeView(await this.stores.update(id, body, ifMatch)));
  }
}
