import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  AgentListQuery,
  CreateAgentDto,
  SetAvailabilityDto,
  UpdateAgentDto,
  type Caller,
  type Page,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';
import { AgentsService } from './agents.service';
import { created, IfMatchRequired, withEtag } from './org-http';
import { agentView, AgentPageView, AgentView, pageView } from './org.views';

/**
 * R3: agents (staff users with the agent or supervisor role) with their departments, stores, skills,
 * capacity and availability. Admins manage them; supervisors read them and set their agents' availability;
 * agents read themselves and go on shift or away.
 */
@ApiTags('org')
@ApiBearerAuth()
@Controller('org/agents')
@Roles('admin', 'supervisor')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @ApiOkResponse({ type: AgentPageView })
  async list(@Query() query: AgentListQuery): Promise<Page<AgentView>> {
    return pageView(await this.agents.list(query), agentView);
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

  @Get(':id')
  @ApiOkResponse({ type: AgentView })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<AgentView> {
    return withEtag(reply, agentView(await this.agents.get(id)));
  }

  /** A new staff user with the agent and/or supervisor role and their working profile. */
  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiCreatedResponse({ type: AgentView })
  @ApiConflictResponse({ description: 'USER.EMAIL_TAKEN' })
  async create(
    @Body() body: CreateAgentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const agent = agentView(await this.agents.create(body));
    return created(reply, `/api/v1/org/agents/${agent.id}`, agent);
  }

  @Patch(':id')
  @Roles('admin')
  @IfMatchRequired()
  @ApiOkResponse({ type: AgentView })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateAgentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    return withEtag(reply, agentView(await this.agents.update(id, body, ifMatch)));
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
