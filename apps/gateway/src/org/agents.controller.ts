import { Body, Controller, Get, Headers, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  AgentListQuery,
  CreateAgentDto,
  SetAvailabilityDto,
  UpdateAgentDto,
  type Caller,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { AgentsService } from './agents.service';
import { IfMatchRequired, withEtag } from './org-http';
import { DirectoryRecordsController } from './org-record.controller';
import { agentView, AgentPageView, AgentView } from './org.views';

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
  async me(
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    return withEtag(reply, agentView(await this.agents.get(caller.userId)));
  }

  /** The caller goes on shift (takes tickets, and queued ones come to them) or away. */
  @Put('me/availability')
  @Roles('agent', 'supervisor')
  @IfMatchRequired(false)
  @ApiOkResponse({ type: AgentView })
  async setMyAvailability(
    @Body() body: SetAvailabilityDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const agent = await this.agents.setAvailability(caller, caller.userId, body.availability, ifMatch);
    return withEtag(reply, agentView(agent));
  }

  /** Supervisors for the agents of their departments, admins for anyone. */
  @Put(':id/availability')
  @IfMatchRequired(false)
  @ApiOkResponse({ type: AgentView })
  @ApiNotFoundResponse({ description: 'no such agent in your departments' })
  async setAvailability(
    @Param('id') id: string,
    @Body() body: SetAvailabilityDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    return withEtag(
      reply,
      agentView(await this.agents.setAvailability(caller, id, body.availability, ifMatch)),
    );
  }
}
