import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SettingsRevisions } from '@closeloop/persistence';

export type { StoredSettings } from '@closeloop/persistence';

/** SQL of routing's settings documents with their versions (`settings` + `setting_revisions`). */
@Injectable()
export class SettingRevisionsRepository extends SettingsRevisions {
  constructor(dataSource: DataSource) {
    super(dataSource, 'routing');
  }
}
