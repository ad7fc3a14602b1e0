import { applyDecorators, Body, Controller, Get, Param, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
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
import { ReplyBody, ReplyHeaders } from '../http/reply.decorators';
import { IfMatch } from '../http/request.decorators';

/** Which service owns which settings document (architecture: `GET|PUT /api/v1/settings/{key}`). */
const OWNERS = {
  sla: RoutingSettingsRpc,
  calendar: RoutingSettingsRpc,
  segments: IntakeSettingsRpc,
  retention: IntakeSettingsRpc,
  privacy: IntakeSettingsRpc,
  classification: IntakeSettingsRpc,
  'ticket-numbers': IntakeSettingsRpc,
  recording: IntakeSettingsRpc,
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

/** The answer is the document itself; its version goes in ETag, the time it changed in Last-Modified. */
const SettingsDocument = () =>
  applyDecorators(
    ReplyHeaders((view: SettingsView) => ({
      ETag: view.etag,
      'Last-Modified': new Date(view.updatedAt).toUTCString(),
    })),
    ReplyBody((view: SettingsView) => view.value),
  );

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
  @SettingsDocument()
  get(@Param('key') key: string, @CurrentCaller() caller: Caller): Promise<SettingsView> {
    return this.rpc.request(owner(key).get, { caller, key });
  }

  @Put(':key')
  @ApiParam({ name: 'key', enum: Object.keys(OWNERS) })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version being replaced' })
  @ApiBody({ schema: { type: 'object', description: 'the whole new document (see docs/sla.md)' } })
  @ApiOkResponse({ description: 'The stored document; its new version in the ETag header' })
  @ApiResponse({ status: 412, description: 'If-Match is stale: GET again and redo the change' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  @SettingsDocument()
  put(
    @Param('key') key: string,
    @Body() value: Record<string, unknown>,
    @IfMatch() ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<SettingsView> {
    return this.rpc.request(owner(key).put, { caller, key, ifMatch, value });
  }
}
