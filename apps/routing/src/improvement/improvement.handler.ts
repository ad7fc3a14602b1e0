import { Controller, type OnModuleInit } from '@nestjs/common';
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
import { SlaSweepScheduler } from '../sla/sla-sweep.scheduler';
import { ImprovementDetector } from './improvement-detector.service';
import { ImprovementService } from './improvement.service';

/** NATS edge of improvement cases (R8), and the weekly detection joining routing's scheduled tick. */
@Controller()
export class ImprovementHandler implements OnModuleInit {
  constructor(
    private readonly cases: ImprovementService,
    private readonly detector: ImprovementDetector,
    private readonly scheduler: SlaSweepScheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.add({ name: 'improvement-cases', run: (now) => this.detector.run(now) });
  }

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
