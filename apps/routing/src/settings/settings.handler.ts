import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { RoutingSettingsRpc } from '@closeloop/contracts';
import { SettingsService } from './settings.service';

/** NATS edge of routing's settings: the admin's read and write of a whole document. */
@Injectable()
export class SettingsHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly settings: SettingsService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(RoutingSettingsRpc.get, (request) => this.settings.get(request));
    this.rpc.handle(RoutingSettingsRpc.put, (request) => this.settings.put(request));
  }
}
