import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import { ComplianceQuery, ComplianceRpc, type Caller, type ComplianceView } from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { ComplianceViewDoc } from './compliance.views';

/** R7, K1: weekly SLA compliance per level and category, flagged below the threshold. */
@ApiTags('sla')
@ApiBearerAuth()
@Controller('sla')
export class ComplianceController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('compliance')
  @Roles('admin', 'analyst', 'supervisor')
  @ApiOperation({ summary: 'met / due of the due times of a business week, per level and per category' })
  @ApiOkResponse({ type: ComplianceViewDoc })
  weekly(@Query() query: ComplianceQuery, @CurrentCaller() caller: Caller): Promise<ComplianceView> {
    return this.rpc.request(ComplianceRpc.weekly, { caller, ...query });
  }
}
