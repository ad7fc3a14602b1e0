import {
  applyDecorators,
  Body,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  type Type,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import type { Page } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { Location, ReplyBody, VersionETag } from '../http/reply.decorators';
import { IfMatch } from '../http/request.decorators';
import { IfMatchRequired } from './org-http';
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
  /** The answer is the record's view, with its version in ETag. */
  const RecordReply = () => applyDecorators(ReplyBody(routes.toView), VersionETag());

  class DirectoryRecordsControllerBase {
    constructor(@Inject(routes.service) readonly records: DirectoryRecords<E, C, U, Q>) {}

    @Get()
    @ApiOkResponse({ type: routes.page })
    @ReplyBody((page: Page<E>) => pageView(page, routes.toView))
    list(@Query() query: Q): Promise<Page<E>> {
      return this.records.list(query);
    }

    @Get(':id')
    @ApiOkResponse({ type: routes.view, description: 'ETag header: the version to send as If-Match' })
    @ApiNotFoundResponse()
    @RecordReply()
    get(@Param('id') id: string): Promise<E> {
      return this.records.get(id);
    }

    @Post()
    @Roles('admin')
    @HttpCode(201)
    @ApiBody({ type: routes.create })
    @ApiCreatedResponse({ type: routes.view })
    @ApiConflictResponse({ description: 'the id (or e-mail) is taken; ids are never reused' })
    @RecordReply()
    @Location((record: V) => `/api/v1/org/${routes.path}/${record.id}`)
    create(@Body() body: C): Promise<E> {
      return this.records.create(body);
    }

    /** Changes the given fields; `active: false` deactivates (nothing is deleted). */
    @Patch(':id')
    @Roles('admin')
    @IfMatchRequired()
    @ApiBody({ type: routes.update })
    @ApiOkResponse({ type: routes.view })
    @ApiConflictResponse({ description: 'ORG.IN_USE: active records still point to it' })
    @RecordReply()
    update(@Param('id') id: string, @Body() body: U, @IfMatch() ifMatch: string | undefined): Promise<E> {
      return this.records.update(id, body, ifMatch);
    }
  }
  // Generic parameters erase to Object: name the concrete request classes for validation and OpenAPI.
  const prototype = DirectoryRecordsControllerBase.prototype;
  Reflect.defineMetadata('design:paramtypes', [routes.query], prototype, 'list');
  Reflect.defineMetadata('design:paramtypes', [routes.create], prototype, 'create');
  Reflect.defineMetadata('design:paramtypes', [String, routes.update, String], prototype, 'update');
  return DirectoryRecordsControllerBase;
}
