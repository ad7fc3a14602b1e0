import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { ImprovementRpc } from '@closeloop/contracts';
import { SlaSweepScheduler } from '../sla/sla-sweep.scheduler';
import { ImprovementDetector } from './improvement-detector.service';
import { ImprovementService } from './improvement.service';

/** NATS edge of improvement cases (R8), and the weekly detection joining routing's scheduled tick. */
@Injectable()
export class ImprovementHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly cases: ImprovementService,
    private readonly detector: ImprovementDetector,
    private readonly scheduler: SlaSweepScheduler,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(ImprovementRpc.list, (request) => this.cases.list(request));
    this.rpc.handle(ImprovementRpc.get, (request) => this.cases.get(request));
    this.rpc.handle(ImprovementRpc.update, (request) => this.cases.update(request));
    this.scheduler.add({ name: 'improvement-cases', run: (now) => this.detector.run(now) });
  }
}
