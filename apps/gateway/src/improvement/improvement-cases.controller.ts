import { Body, Controller, Get, Headers, Param, Patch, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import {
  ImprovementRpc,
  ListImprovementCasesQuery,
  UpdateImprovementCaseDto,
  versionEtag,
  type Caller,
  type ImprovementCaseSummary,
  type ImprovementCaseView,
  type Page,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { ImprovementCasePageDoc, ImprovementCaseViewDoc } from './improvement-cases.views';

/** R8: cross-department improvement cases, opened when a complaint category runs high weeks in a row. */
@ApiTags('improvement-cases')
@ApiBearerAuth()
@Controller('improvement-cases')
@Roles('admin', 'analyst', 'supervisor')
export class ImprovementCasesController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiOperation({ summary: 'improvement cases, highest priority first' })
  @ApiOkResponse({ type: ImprovementCasePageDoc })
  list(
    @Query() query: ListImprovementCasesQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<ImprovementCaseSummary>> {
    return this.rpc.request(ImprovementRpc.list, { caller, ...query });
  }

  @Get(':id')
  @ApiOkResponse({ type: ImprovementCaseViewDoc })
  @ApiNotFoundResponse()
  async get(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImprovementCaseView> {
    const view = await this.rpc.request(ImprovementRpc.get, { caller, id });
    void reply.header('ETag', versionEtag(view.version));
    return view;
  }

  @Patch(':id')
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'status, owner, plan, by when (admins; supervisors of a department involved)' })
  @ApiHeader({ name: 'If-Match', required: true })
  @ApiOkResponse({ type: ImprovementCaseViewDoc })
  @ApiResponse({ status: 412, description: 'If-Match is stale' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateImprovementCaseDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImprovementCaseView> {
    const view = await this.rpc.request(ImprovementRpc.update, {
      caller,
      id,
      ...(ifMatch === undefined ? {} : { ifMatch }),
      input: body,
    });
    void reply.header('ETag', versionEtag(view.version));
    return view;
  }
}
