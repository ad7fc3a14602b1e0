import { Module } from '@nestjs/common';
import { OrgModule } from '../org/org.module';
import { SettingsModule } from '../settings/settings.module';
import { AssignmentRepository } from './assignment.repository';
import { AssignmentService } from './assignment.service';
import { OrgEventsHandler } from './org-events.handler';
import { QueueSweepScheduler } from './queue-sweep.scheduler';
import { WorkloadService } from './workload.service';

/** Which department and agent a ticket goes to, queues and workloads; below tickets (it records an assignment through ticket-history, not through tickets). */
@Module({
  imports: [SettingsModule, OrgModule],
  controllers: [OrgEventsHandler],
  providers: [AssignmentRepository, AssignmentService, WorkloadService, QueueSweepScheduler],
  exports: [AssignmentRepository, AssignmentService, WorkloadService],
})
export class DispatchModule {}
