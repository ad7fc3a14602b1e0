import { Module } from '@nestjs/common';
import { IntakeSettingsRepository } from './intake-settings.repository';
import { SettingsAdminService } from './settings-admin.service';
import { SettingsHandler } from './settings.handler';

/** intake's settings documents, their checks and the store every feature reads them from; depends on no feature. */
@Module({
  controllers: [SettingsHandler],
  providers: [IntakeSettingsRepository, SettingsAdminService],
  exports: [IntakeSettingsRepository],
})
export class SettingsModule {}
