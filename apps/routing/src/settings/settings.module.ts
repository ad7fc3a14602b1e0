import { Module } from '@nestjs/common';
import { RoutingSettingsRepository } from './routing-settings.repository';
import { SettingRevisionsRepository } from './setting-revisions.repository';
import { SettingsHandler } from './settings.handler';
import { SettingsService } from './settings.service';

/** routing's settings documents, their checks, the store every feature reads them from and their revision log; depends on no feature. */
@Module({
  controllers: [SettingsHandler],
  providers: [RoutingSettingsRepository, SettingRevisionsRepository, SettingsService],
  exports: [RoutingSettingsRepository],
})
export class SettingsModule {}
