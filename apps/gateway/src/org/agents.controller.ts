import { applyDecorators, Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  AgentListQuery,
  CreateAgentDto,
  SetAvailabilityDto,
  UpdateAgentDto,
  type Caller,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import type { UserEntity } from '../users/entities/user.entity';
import { AgentsService } from './agents.service';
import { ReplyBody, VersionETag } from '../http/reply.decorators';
import { IfMatch } from '../http/request.decorators';
import { IfMatchRequired } from './org-http';
import { DirectoryRecordsController } from './org-record.controller';
import { agentView, AgentPageView, AgentView } from './org.views';

/** The answer is the agent's view, with its version in ETag. */
const AgentReply = () => applyDecorators(ReplyBody(agentView), VersionETag());

/**
 * R3: agents (staff users with the agent or supervisor role) with their departments, stores, skills,
 * capacity and availability. Admins manage them; supervisors read them and set their agents' availability;
 * agents read themselves and go on shift or away.
 */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/agents')
@Roles('admin', 'supervisor')
export class AgentsController extends DirectoryRecordsController({
  path: 'agents',
  service: AgentsService,
  toView: agentView,
  create: CreateAgentDto,
  update: UpdateAgentDto,
  query: AgentListQuery,
  view: AgentView,
  page: AgentPageView,
}) {
  constructor(private readonly agents: AgentsService) {
    super(agents);
  }

  @Get('me')
  @Roles('agent', 'supervisor')
  @ApiOkResponse({ type: AgentView })
  @AgentReply()
  me(@CurrentCaller() caller: Caller): Promise<UserEntity> {
    return this.agents.get(caller.userId);
  }

  /** The caller goes on shift (takes tickets, and queued ones come to them) or away. */
  @Put('me/availability')
  @Roles('agent', 'supervisor')
  @IfMatchRequired(false)
  @ApiOkResponse({ type: AgentView })
  @AgentReply()
  setMyAvailability(
    @Body() { availability }: SetAvailabilityDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<UserEntity> {
    return this.agents.setAvailability(caller, caller.userId, availability, ifMatch);
  }

  /** Supervisors for the agents of their departments, admins for anyone. */
  @Put(':id/availability')
  @IfMatchRequired(false)
  @ApiOkResponse({ type: AgentView })
  @ApiNotFoundResponse({ description: 'no such agent in your departments' })
  @AgentReply()
  setAvailability(
    @Param('id') id: string,
    @Body() { availability }: SetAvailabilityDto,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<UserEntity> {
    return this.agents.setAvailability(caller, id, availability, ifMatch);
  }
}
