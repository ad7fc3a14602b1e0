import { Module } from '@nestjs/common';
import { ImportsController } from './imports.controller';
import { ImportUploadService } from './import-upload.service';
import { UploadBodyParser } from './upload-body.parser';

/** Bulk import uploads, streamed to intake. */
@Module({
  controllers: [ImportsController],
  providers: [UploadBodyParser, ImportUploadService],
})
export class ImportsModule {}
