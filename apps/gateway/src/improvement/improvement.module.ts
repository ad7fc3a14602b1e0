import { Module } from '@nestjs/common';
import { ImprovementCasesController } from './improvement-cases.controller';

/** Improvement cases, forwarded to routing. */
@Module({
  controllers: [ImprovementCasesController],
})
export class ImprovementModule {}
