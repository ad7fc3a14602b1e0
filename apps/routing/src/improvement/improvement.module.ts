import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module';
import { ImprovementDetectorService } from './improvement-detector.service';
import { ImprovementHandler } from './improvement.handler';
import { ImprovementRepository } from './improvement.repository';
import { ImprovementService } from './improvement.service';

/** Improvement cases: detected from repeated complaints, worked by quality staff. */
@Module({
  imports: [SettingsModule],
  controllers: [ImprovementHandler],
  providers: [ImprovementRepository, ImprovementDetectorService, ImprovementService],
})
export class ImprovementModule {}
