import { Module } from '@nestjs/common';
import { AuditHandler } from './audit.handler';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** The audit log of sensitive reads and changes: written by the features, read by auditors. */
@Module({
  controllers: [AuditHandler],
  providers: [AuditRepository, AuditService],
  exports: [AuditRepository],
})
export class AuditModule {}
