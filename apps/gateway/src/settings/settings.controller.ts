import { Body, Controller, Get, Headers, Param, Put, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import {
  DomainError,
  IntakeSettingsRpc,
  RoutingSettingsRpc,
  type Caller,
  type SettingsView,
} from '@closeloop/contracts';
import { Roles } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/caller.decorator';

/** Which service owns which settings document (architecture: `GET|PUT /api/v1/settings/{key}`). */
const OWNERS = {
  sla: RoutingSettingsRpc,
  calendar: RoutingSettingsRpc,
  segments: IntakeSettingsRpc,
  retention: IntakeSettingsRpc,
  privacy: IntakeSettingsRpc,
  lifecycle: RoutingSettingsRpc,
  escalation: RoutingSettingsRpc,
  compliance: RoutingSettingsRpc,
  improvement: RoutingSettingsRpc,
  dispatch: RoutingSettingsRpc,
} as const;

function owner(key: string) {
  if (!Object.hasOwn(OWNERS, key)) throw new DomainError('NOT_FOUND', `no settings ${key}`);
  return OWNERS[key as keyof typeof OWNERS];
}

/**
 * Admin settings: the whole document in, the whole document out, with an ETag. Changes need `If-Match`
 * (428 without it, 412 when stale); the owning service validates and authorizes again.
 */
@ApiTags('settings')
@ApiBearerAuth()
@Controller('settings')
@Roles('admin')
export class SettingsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get(':key')
  @ApiParam({ name: 'key', enum: Object.keys(OWNERS) })
  @ApiOkResponse({ description: 'The document; its version in the ETag header', schema: { type: 'object' } })
  async get(
    @Param('key') key: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    return send(reply, await this.rpc.request(owner(key).get, { caller, key }));
  }

  @Put(':key')
  @ApiParam({ name: 'key', enum: Object.keys(OWNERS) })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version being replaced' })
  @ApiBody({ schema: { type: 'object', description: 'the whole new document (see docs/sla.md)' } })
  @ApiOkResponse({ description: 'The stored document; its new version in the ETag header' })
  @ApiResponse({ status: 412, description: 'If-Match is stale: GET again and redo the change' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async put(
    @Param('key') key: string,
    @Body() body: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const definition = owner(key);
    return send(
      reply,
      await this.rpc.request(definition.put, {
        caller,
        key,
        ...(ifMatch === undefined ? {} : { ifMatch }),
        value: body,
      }),
    );
  }
}

function send(reply: FastifyReply, view: SettingsView): Record<string, unknown> {
  void reply.header('ETag', view.etag).header('Last-Modified', new Date(view.updatedAt).toUTCString());
  return view.value;
}
