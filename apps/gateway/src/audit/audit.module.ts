import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/** The audit log, read from intake. */
@Module({
  controllers: [AuditController],
})
export class AuditModule {}
