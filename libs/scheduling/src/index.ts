export * from './scheduled-job.decorator';
export * from './job-claims';
export * from './job-run';
export * from './job-scheduler';
export * from './scheduling.module';
export * from './scheduling.options';
