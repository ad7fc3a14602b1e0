import { Module } from '@nestjs/common';
import { SettingsController } from './settings.controller';

/** Settings documents of every service, read and replaced through their owner. */
@Module({
  controllers: [SettingsController],
})
export class SettingsModule {}
