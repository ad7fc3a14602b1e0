import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DomainError,
  hasRole,
  type DepartmentWorkloadView,
  type WorkloadRequest,
  type WorkloadView,
} from '@closeloop/contracts';
import { AssignmentRepository } from './assignment.repository';

/**
 * R3, C9: what a supervisor watches on the floor: per department, the queue (how many wait, since when,
 * the most urgent due time) and each agent's availability, capacity, load and breached tickets. Admins and
 * analysts see every department, supervisors their own.
 */
@Injectable()
export class WorkloadService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: AssignmentRepository,
  ) {}

  async get(request: WorkloadRequest): Promise<WorkloadView> {
    const { caller, department } = request;
    const seesAll = hasRole(caller, 'admin', 'analyst');
    if (!seesAll && !hasRole(caller, 'supervisor')) {
      throw new DomainError('FORBIDDEN', 'the workload is for supervisors, analysts and admins');
    }
    if (department && !seesAll && !caller.departments.includes(department)) {
      throw new DomainError('FORBIDDEN', `you do not supervise ${department}`);
    }
    const manager = this.dataSource.manager;
    const departments = department
      ? [department]
      : seesAll
        ? await this.repository.activeDepartments(manager)
        : [...caller.departments].sort();
    const now = new Date();
    const { agents, queues } = await this.repository.workload(manager, departments, now);
    const queueOf = new Map(queues.map((queue) => [queue.department, queue]));
    return {
      at: now.toISOString(),
      departments: departments.map((id): DepartmentWorkloadView => {
        const members = agents.filter((agent) => agent.department_ids.includes(id));
        const onShift = members.filter((agent) => agent.availability === 'on_shift');
        const queue = queueOf.get(id);
        return {
          department: id,
          queued: queue?.queued ?? 0,
          oldestQueuedSince: queue?.oldest?.toISOString() ?? null,
          mostUrgentDue: queue?.most_urgent?.toISOString() ?? null,
          onShift: onShift.length,
          freeCapacity: onShift.reduce((sum, agent) => sum + Math.max(agent.capacity - agent.load, 0), 0),
          agents: members.map((agent) => ({
            userId: agent.user_id,
            availability: agent.availability,
            capacity: agent.capacity,
            load: agent.load,
            breached: agent.breached,
          })),
        };
      }),
    };
  }
}
