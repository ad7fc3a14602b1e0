import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import {
  ImprovementRpc,
  ListImprovementCasesQuery,
  UpdateImprovementCaseDto,
  type Caller,
  type ImprovementCaseSummary,
  type ImprovementCaseView,
  type Page,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { VersionETag } from '../http/reply.decorators';
import { IfMatch } from '../http/request.decorators';
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
  @VersionETag()
  get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<ImprovementCaseView> {
    return this.rpc.request(ImprovementRpc.get, { caller, id });
  }

  @Patch(':id')
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'status, owner, plan, by when (admins; supervisors of a department involved)' })
  @ApiHeader({ name: 'If-Match', required: true })
  @ApiOkResponse({ type: ImprovementCaseViewDoc })
  @ApiResponse({ status: 412, description: 'If-Match is stale' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  @VersionETag()
  update(
    @Param('id') id: string,
    @Body() input: UpdateImprovementCaseDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<ImprovementCaseView> {
    return this.rpc.request(ImprovementRpc.update, { caller, id, ifMatch, input });
  }
}
