import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RpcServer } from '@closeloop/messaging';
import { RoutingAssignmentRpc } from '@closeloop/contracts';
import { CollaborationService } from '../collaboration/collaboration.service';
import { ReassignService } from './reassign.service';
import { WorkloadService } from './workload.service';

/** NATS edge of reassign, collaborations and the workload view (the gateway's ticket-assignment controller calls these). */
@Injectable()
export class TicketAssignmentHandler implements OnModuleInit {
  constructor(
    private readonly rpc: RpcServer,
    private readonly reassign: ReassignService,
    private readonly collaborations: CollaborationService,
    private readonly workload: WorkloadService,
  ) {}

  onModuleInit(): void {
    this.rpc.handle(RoutingAssignmentRpc.reassign, (request) => this.reassign.reassign(request));
    this.rpc.handle(RoutingAssignmentRpc.requestCollaboration, (request) =>
      this.collaborations.request(request),
    );
    this.rpc.handle(RoutingAssignmentRpc.completeCollaboration, (request) =>
      this.collaborations.complete(request),
    );
    this.rpc.handle(RoutingAssignmentRpc.listCollaborations, (request) => this.collaborations.list(request));
    this.rpc.handle(RoutingAssignmentRpc.workload, (request) => this.workload.get(request));
  }
}
