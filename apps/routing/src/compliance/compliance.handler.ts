import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { ComplianceRpc } from '@closeloop/contracts';
import { ComplianceService } from './compliance.service';

/** NATS edge of weekly SLA compliance (R7). */
@Injectable()
export class ComplianceHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly compliance: ComplianceService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(ComplianceRpc.weekly, (request) => this.compliance.weekly(request));
  }
}
