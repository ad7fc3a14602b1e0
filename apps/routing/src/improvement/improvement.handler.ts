import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { ImprovementRpc } from '@closeloop/contracts';
import { ImprovementService } from './improvement.service';

/** NATS edge of improvement cases (R8). */
@Injectable()
export class ImprovementHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly cases: ImprovementService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(ImprovementRpc.list, (request) => this.cases.list(request));
    this.rpc.handle(ImprovementRpc.get, (request) => this.cases.get(request));
    this.rpc.handle(ImprovementRpc.update, (request) => this.cases.update(request));
  }
}
