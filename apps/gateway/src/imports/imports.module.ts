import { Module } from '@nestjs/common';
import { ImportsController } from './imports.controller';
import { UploadBodyParser } from './upload-body.parser';

/** Bulk import uploads, streamed to intake. */
@Module({
  controllers: [ImportsController],
  providers: [UploadBodyParser],
})
export class ImportsModule {}
