import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import {
  GetSettingsRequest,
  IntakeSettingsRpc,
  PutSettingsRequest,
  type SettingsView,
} from '@closeloop/contracts';
import { SettingsAdminService } from './settings-admin.service';

/** NATS edge of intake's admin settings. */
@Controller()
export class SettingsHandler {
  constructor(private readonly settings: SettingsAdminService) {}

  @MessagePattern(IntakeSettingsRpc.get)
  get(@Payload() request: GetSettingsRequest): Promise<SettingsView> {
    return this.settings.get(request);
  }

  @MessagePattern(IntakeSettingsRpc.put)
  put(@Payload() request: PutSettingsRequest): Promise<SettingsView> {
    return this.settings.put(request);
  }
}
