import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import { CustomerRpc, ListAuditRequest, type AuditEntryView, type Page } from '@closeloop/contracts';
import { AuditService } from './audit.service';

/** NATS edge of the audit log (X2). */
@Controller()
export class AuditHandler {
  constructor(private readonly audit: AuditService) {}

  @MessagePattern(CustomerRpc.listAudit)
  list(@Payload() request: ListAuditRequest): Promise<Page<AuditEntryView>> {
    return this.audit.list(request);
  }
}
