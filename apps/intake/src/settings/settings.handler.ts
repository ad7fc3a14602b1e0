import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { IntakeSettingsRpc } from '@closeloop/contracts';
import { SettingsAdminService } from './settings-admin.service';

/** NATS edge of intake's admin settings. */
@Injectable()
export class SettingsHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly settings: SettingsAdminService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(IntakeSettingsRpc.get, (request) => this.settings.get(request));
    this.rpc.handle(IntakeSettingsRpc.put, (request) => this.settings.put(request));
  }
}
