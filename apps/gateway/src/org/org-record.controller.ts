import {
  Body,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
  type Type,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Page } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { created, IfMatchRequired, withEtag } from './org-http';
import { pageView } from './org.views';

/** What every directory service offers the HTTP edge. */
export interface DirectoryRecords<E, C, U, Q> {
  list(query: Q): Promise<Page<E>>;
  get(id: string): Promise<E>;
  create(input: C): Promise<E>;
  update(id: string, input: U, ifMatch: string | undefined): Promise<E>;
}

export interface DirectoryRoutes<E, V, C, U, Q> {
  /** The path under `/api/v1/org`, e.g. `departments`. */
  path: string;
  service: Type<DirectoryRecords<E, C, U, Q>>;
  toView: (entity: E) => V;
  create: Type<C>;
  update: Type<U>;
  query: Type<Q>;
  /** OpenAPI classes of one record and of a page. */
  view: Type<unknown>;
  page: Type<unknown>;
}

/**
 * The routes every directory record has: list (cursor pages), get (with its ETag), create (201, Location,
 * 409 on a taken id) and change (PATCH with If-Match). Admins change; supervisors read (the subclass
 * carries `@Controller` and `@Roles`). Request classes are declared as the methods' parameter types, so the
 * global contract validation and OpenAPI see the concrete DTOs.
 */
export function DirectoryRecordsController<E, V extends { id: string; version: number }, C, U, Q>(
  routes: DirectoryRoutes<E, V, C, U, Q>,
) {
  class DirectoryRecordsControllerBase {
    constructor(@Inject(routes.service) readonly records: DirectoryRecords<E, C, U, Q>) {}

    @Get()
    @ApiOkResponse({ type: routes.page })
    async list(@Query() query: Q): Promise<Page<V>> {
      return pageView(await this.records.list(query), routes.toView);
    }

    @Get(':id')
    @ApiOkResponse({ type: routes.view, description: 'ETag header: the version to send as If-Match' })
    @ApiNotFoundResponse()
    async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<V> {
      return withEtag(reply, routes.toView(await this.records.get(id)));
    }

    @Post()
    @Roles('admin')
    @HttpCode(201)
    @ApiBody({ type: routes.create })
    @ApiCreatedResponse({ type: routes.view })
    @ApiConflictResponse({ description: 'the id (or e-mail) is taken; ids are never reused' })
    async create(@Body() body: C, @Res({ passthrough: true }) reply: FastifyReply): Promise<V> {
      const record = routes.toView(await this.records.create(body));
      return created(reply, `/api/v1/org/${routes.path}/${record.id}`, record);
    }

    /** Changes the given fields; `active: false` deactivates (nothing is deleted). */
    @Patch(':id')
    @Roles('admin')
    @IfMatchRequired()
    @ApiBody({ type: routes.update })
    @ApiOkResponse({ type: routes.view })
    @ApiConflictResponse({ description: 'ORG.IN_USE: active records still point to it' })
    async update(
      @Param('id') id: string,
      @Body() body: U,
      @Headers('if-match') ifMatch: string | undefined,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<V> {
      return withEtag(reply, routes.toView(await this.records.update(id, body, ifMatch)));
    }
  }
  // Generic parameters erase to Object: name the concrete request classes for validation and OpenAPI.
  const prototype = DirectoryRecordsControllerBase.prototype;
  Reflect.defineMetadata('design:paramtypes', [routes.query], prototype, 'list');
  Reflect.defineMetadata('design:paramtypes', [routes.create, Object], prototype, 'create');
  Reflect.defineMetadata('design:paramtypes', [String, routes.update, String, Object], prototype, 'update');
  return DirectoryRecordsControllerBase;
}
