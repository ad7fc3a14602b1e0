import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RpcClient } from '@closeloop/messaging';
import { AuditQuery, CustomerRpc, type AuditEntryView, type Caller, type Page } from '@closeloop/contracts';
import { CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/auth.decorators';

class AuditEntryDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ format: 'uuid', nullable: true }) actor!: string | null;
  @ApiProperty({ example: 'customer.unmasked-read' }) action!: string;
  @ApiProperty({ format: 'uuid', nullable: true }) customerId!: string | null;
  @ApiProperty({ type: [String], example: ['name', 'phone'] }) fields!: string[];
  @ApiProperty({ nullable: true }) reason!: string | null;
  @ApiProperty({ nullable: true }) correlationId!: string | null;
}

class AuditPageDoc {
  @ApiProperty({ type: [AuditEntryDoc] }) items!: AuditEntryDoc[];
  @ApiProperty({ nullable: true }) nextCursor!: string | null;
}

/** X2: who viewed unmasked or changed customer data, newest first (admins). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Roles('admin')
  @ApiOkResponse({ type: AuditPageDoc })
  list(@Query() query: AuditQuery, @CurrentCaller() caller: Caller): Promise<Page<AuditEntryView>> {
    return this.rpc.request(CustomerRpc.listAudit, { caller, ...query });
  }
}
