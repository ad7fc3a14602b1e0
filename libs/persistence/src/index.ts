export * from './data-source';
export * from './migrate';
export * from './infrastructure-tables';
export * from './pg-errors';
export * from './setting.entity';
export * from './settings-store';
export * from './settings-revisions';
export * from './setting-revision.entity';
