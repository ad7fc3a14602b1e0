import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import {
  GetSettingsRequest,
  PutSettingsRequest,
  RoutingSettingsRpc,
  type SettingsView,
} from '@closeloop/contracts';
import { SettingsService } from './settings.service';

/** NATS edge of routing's settings: the admin's read and write of a whole document. */
@Controller()
export class SettingsHandler {
  constructor(private readonly settings: SettingsService) {}

  @MessagePattern(RoutingSettingsRpc.get)
  get(@Payload() request: GetSettingsRequest): Promise<SettingsView> {
    return this.settings.get(request);
  }

  @MessagePattern(RoutingSettingsRpc.put)
  put(@Payload() request: PutSettingsRequest): Promise<SettingsView> {
    return this.settings.put(request);
  }
}
