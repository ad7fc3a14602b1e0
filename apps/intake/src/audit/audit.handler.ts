import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { CustomerRpc } from '@closeloop/contracts';
import { AuditService } from './audit.service';

/** NATS edge of the audit log (X2). */
@Injectable()
export class AuditHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(CustomerRpc.listAudit, (request) => this.audit.list(request));
  }
}
