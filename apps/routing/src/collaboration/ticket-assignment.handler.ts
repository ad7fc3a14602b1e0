import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MessagePattern } from '@closeloop/runtime';
import {
  CompleteCollaborationRequest,
  ListCollaborationsRequest,
  ReassignTicketRequest,
  RequestCollaborationRequest,
  RoutingAssignmentRpc,
  WorkloadRequest,
  type CollaborationView,
  type TicketAssignmentView,
  type WorkloadView,
} from '@closeloop/contracts';
import { CollaborationService } from './collaboration.service';
import { ReassignService } from '../tickets/reassign.service';
import { WorkloadService } from '../dispatch/workload.service';

/** NATS edge of reassign, collaborations and the workload view (the gateway's ticket-assignment controller calls these). */
@Controller()
export class TicketAssignmentHandler {
  constructor(
    private readonly reassignments: ReassignService,
    private readonly collaborations: CollaborationService,
    private readonly workloads: WorkloadService,
  ) {}

  @MessagePattern(RoutingAssignmentRpc.reassign)
  reassign(@Payload() request: ReassignTicketRequest): Promise<TicketAssignmentView> {
    return this.reassignments.reassign(request);
  }

  @MessagePattern(RoutingAssignmentRpc.requestCollaboration)
  requestCollaboration(
    @Payload() request: RequestCollaborationRequest,
  ): Promise<CollaborationView & { replayed: boolean }> {
    return this.collaborations.request(request);
  }

  @MessagePattern(RoutingAssignmentRpc.completeCollaboration)
  completeCollaboration(@Payload() request: CompleteCollaborationRequest): Promise<CollaborationView> {
    return this.collaborations.complete(request);
  }

  @MessagePattern(RoutingAssignmentRpc.listCollaborations)
  listCollaborations(@Payload() request: ListCollaborationsRequest): Promise<CollaborationView[]> {
    return this.collaborations.list(request);
  }

  @MessagePattern(RoutingAssignmentRpc.workload)
  workload(@Payload() request: WorkloadRequest): Promise<WorkloadView> {
    return this.workloads.get(request);
  }
}
