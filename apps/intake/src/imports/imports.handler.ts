import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import {
  BeginImportRequest,
  CommitImportRequest,
  GetImportRequest,
  ImportChunkRequest,
  ImportErrorsRequest,
  ImportRpc,
  type ImportErrorView,
  type ImportView,
} from '@closeloop/contracts';
import { ImportService } from './import.service';

/** NATS edge of imports (the gateway's upload endpoint and the operator CLI both use it). */
@Controller()
export class ImportsHandler {
  constructor(private readonly imports: ImportService) {}

  @MessagePattern(ImportRpc.begin)
  begin(@Payload() request: BeginImportRequest): Promise<ImportView> {
    return this.imports.begin(request);
  }

  @MessagePattern(ImportRpc.chunk)
  chunk(@Payload() request: ImportChunkRequest): Promise<{ received: number }> {
    return this.imports.chunk(request);
  }

  @MessagePattern(ImportRpc.commit)
  commit(@Payload() request: CommitImportRequest): Promise<ImportView> {
    return this.imports.commit(request);
  }

  @MessagePattern(ImportRpc.get)
  get(@Payload() request: GetImportRequest): Promise<ImportView> {
    return this.imports.get(request);
  }

  @MessagePattern(ImportRpc.errors)
  errors(@Payload() request: ImportErrorsRequest): Promise<ImportErrorView[]> {
    return this.imports.errors(request);
  }
}
