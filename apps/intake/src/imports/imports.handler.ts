import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { ImportRpc } from '@closeloop/contracts';
import { ImportService } from './import.service';

/** NATS edge of imports (the gateway's upload endpoint and the operator CLI both use it). */
@Injectable()
export class ImportsHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly imports: ImportService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(ImportRpc.begin, (request) => this.imports.begin(request));
    this.rpc.handle(ImportRpc.chunk, (request) => this.imports.chunk(request));
    this.rpc.handle(ImportRpc.commit, (request) => this.imports.commit(request));
    this.rpc.handle(ImportRpc.get, (request) => this.imports.get(request));
    this.rpc.handle(ImportRpc.errors, (request) => this.imports.errors(request));
  }
}
