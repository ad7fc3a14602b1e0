import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { JobScheduler } from './job-scheduler';
import { SCHEDULING_OPTIONS, type SchedulingOptions } from './scheduling.options';

/**
 * The one scheduling mechanism of every service (decision 0022). Needs a `DataSource` provider in scope
 * (the platform module's, which is global); the table comes from `scheduledJobsTableUp(schema)`.
 */
@Module({})
export class SchedulingModule {
  static forRoot(options: SchedulingOptions): DynamicModule {
    return {
      module: SchedulingModule,
      imports: [ScheduleModule.forRoot(), DiscoveryModule],
      providers: [{ provide: SCHEDULING_OPTIONS, useValue: options }, JobScheduler],
      exports: [JobScheduler],
    };
  }
}
