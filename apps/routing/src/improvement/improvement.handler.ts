import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import {
  GetImprovementCaseRequest,
  ImprovementRpc,
  ListImprovementCasesRequest,
  UpdateImprovementCaseRequest,
  type ImprovementCaseSummary,
  type ImprovementCaseView,
  type Page,
} from '@closeloop/contracts';
import { ImprovementService } from './improvement.service';

/** NATS edge of improvement cases (R8). */
@Controller()
export class ImprovementHandler {
  constructor(private readonly cases: ImprovementService) {}

  @MessagePattern(ImprovementRpc.list)
  list(@Payload() request: ListImprovementCasesRequest): Promise<Page<ImprovementCaseSummary>> {
    return this.cases.list(request);
  }

  @MessagePattern(ImprovementRpc.get)
  get(@Payload() request: GetImprovementCaseRequest): Promise<ImprovementCaseView> {
    return this.cases.get(request);
  }

  @MessagePattern(ImprovementRpc.update)
  update(@Payload() request: UpdateImprovementCaseRequest): Promise<ImprovementCaseView> {
    return this.cases.update(request);
  }
}
