import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import { ComplianceRequest, ComplianceRpc, type ComplianceView } from '@closeloop/contracts';
import { ComplianceService } from './compliance.service';

/** NATS edge of weekly SLA compliance (R7). */
@Controller()
export class ComplianceHandler {
  constructor(private readonly compliance: ComplianceService) {}

  @MessagePattern(ComplianceRpc.weekly)
  weekly(@Payload() request: ComplianceRequest): Promise<ComplianceView> {
    return this.compliance.weekly(request);
  }
}
