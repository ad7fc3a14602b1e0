/**
 * Operator commands that talk to running services over NATS (request/reply to the service's queue group).
 *
 *   node dist/apps/cli/src/main.js dlq list   --service routing [--consumer routing-feedback]
 *   node dist/apps/cli/src/main.js dlq replay --service routing [--consumer routing-feedback] [--id <uuid> ...] [--limit N]
 *   node dist/apps/cli/src/main.js import customers|orders <file.csv|file.xlsx> [--format csv|xlsx] [--no-wait] [--errors]
 *
 * The operator is a real user (issue 14.3): the CLI logs in to the gateway (`--email` or CLOSELOOP_EMAIL,
 * the password from CLOSELOOP_PASSWORD or a prompt; or a bearer token in CLOSELOOP_TOKEN) and sends the
 * caller the gateway signs for that user; the services authorize it (dead letters need the admin role).
 * Reads NATS_URL, NATS_PREFIX and the NATS credentials like the services, CLOSELOOP_GATEWAY_URL for the login.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { IsOptional, IsString, Matches } from 'class-validator';
import { connectNats, RpcClient } from '@closeloop/messaging';
import { CommonEnv, loadEnv } from '@closeloop/runtime';
import { deadLetterRpc, DomainError, SERVICES, type Caller, type ServiceName } from '@closeloop/contracts';
import { IMPORT_USAGE, runImport } from './import.command';
import { GatewaySession, promptPassword, SessionError } from './gateway-session';

class CliEnv extends CommonEnv {
  /** Where the CLI logs in (the gateway's base URL). */
  @Matches(/^https?:\/\/[^/\s]+(\/[^\s]*)?$/, { message: 'CLOSELOOP_GATEWAY_URL must be an http(s) URL' })
  CLOSELOOP_GATEWAY_URL = 'http://127.0.0.1:3000';

  @IsOptional()
  @IsString()
  CLOSELOOP_EMAIL?: string;

  /** The operator's password; prompted for when absent (keep it out of shell history). */
  @IsOptional()
  @IsString()
  CLOSELOOP_PASSWORD?: string;

  /** A bearer token from POST /api/v1/auth/token, instead of e-mail and password. */
  @IsOptional()
  @IsString()
  CLOSELOOP_TOKEN?: string;
}

const USAGE = `usage (log in with --email <you> or CLOSELOOP_EMAIL, or CLOSELOOP_TOKEN):
  dlq list   --service <${SERVICES.join('|')}> [--consumer <name>]
  dlq replay --service <name> [--consumer <name>] [--id <uuid> ...] [--limit <n>]
  ${IMPORT_USAGE}`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      service: { type: 'string' },
      consumer: { type: 'string' },
      id: { type: 'string', multiple: true },
      limit: { type: 'string' },
      format: { type: 'string' },
      'no-wait': { type: 'boolean' },
      errors: { type: 'boolean' },
      email: { type: 'string' },
    },
  });
  const email = values.email;
  const [group, command] = positionals;
  if (group === 'import') {
    return withRpc(email, (rpc, operator) =>
      runImport(rpc, operator, {
        kind: command,
        file: positionals[2],
        format: values.format,
        wait: !values['no-wait'],
        errors: values.errors ?? false,
      }),
    );
  }
  const service = values.service as ServiceName | undefined;
  if (
    group !== 'dlq' ||
    !['list', 'replay'].includes(command ?? '') ||
    !service ||
    !SERVICES.includes(service)
  ) {
    console.error(USAGE);
    return 2;
  }
  return withRpc(email, async (rpc, operator) => {
    const request = {
      caller: operator,
      consumer: values.consumer,
      ids: values.id,
      limit: values.limit ? Number(values.limit) : undefined,
    };
    const dlq = deadLetterRpc(service);
    if (command === 'list') {
      const letters = await rpc.request(dlq.list, request);
      console.log(JSON.stringify(letters, null, 2));
      console.error(`${letters.length} pending dead letter(s)`);
      return 0;
    }
    const result = await rpc.request(dlq.replay, request);
    console.log(JSON.stringify(result, null, 2));
    console.error(`replayed ${result.replayed.length}, failed again ${result.failed.length}`);
    return result.failed.length > 0 ? 1 : 0;
  });
}

/**
 * Logs in through the gateway, connects to NATS like the services (NATS_URL, NATS_PREFIX, credentials),
 * runs one command as the logged-in user, closes.
 */
async function withRpc(
  email: string | undefined,
  command: (rpc: RpcClient, operator: Caller) => Promise<number>,
): Promise<number> {
  const env = loadEnv(CliEnv);
  const session = new GatewaySession({
    gatewayUrl: env.CLOSELOOP_GATEWAY_URL,
    accessToken: env.CLOSELOOP_TOKEN,
    email: email ?? env.CLOSELOOP_EMAIL,
    password: () =>
      env.CLOSELOOP_PASSWORD !== undefined
        ? Promise.resolve(env.CLOSELOOP_PASSWORD)
        : promptPassword('password: '),
  });
  let operator: Caller;
  try {
    operator = await session.start();
  } catch (error) {
    if (error instanceof SessionError) {
      console.error(`login failed: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const nc = await connectNats(env.NATS_URL, 'closeloop-cli', {
    credsFile: env.NATS_CREDS_FILE,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
  });
  try {
    return await command(new RpcClient(nc, env.NATS_PREFIX, 60_000, session), operator);
  } catch (error) {
    if (error instanceof DomainError || error instanceof SessionError) {
      console.error(error instanceof DomainError ? `${error.code}: ${error.message}` : error.message);
      return 1;
    }
    throw error;
  } finally {
    await nc.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
