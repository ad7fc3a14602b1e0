import { Module } from '@nestjs/common';
import { ComplianceController } from './compliance.controller';

/** SLA compliance reports, read from routing. */
@Module({
  controllers: [ComplianceController],
})
export class SlaModule {}
