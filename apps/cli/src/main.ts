/**
 * Operator commands that talk to running services over NATS (request/reply to the service's queue group).
 *
 *   node dist/apps/cli/src/main.js dlq list   --service routing [--consumer routing-feedback]
 *   node dist/apps/cli/src/main.js dlq replay --service routing [--consumer routing-feedback] [--id <uuid> ...] [--limit N]
 *   node dist/apps/cli/src/main.js import customers|orders <file.csv|file.xlsx> [--format csv|xlsx] [--no-wait] [--errors]
 *
 * Access is whoever may publish to `<prefix>.rpc.<service>.admin.*` on NATS: give those credentials to
 * operators only (deploy/nats). Reads NATS_URL and NATS_PREFIX like the services.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { connectNats, RpcClient } from '@closeloop/messaging';
import { CommonEnv, loadEnv } from '@closeloop/runtime';
import { deadLetterRpc, DomainError, SERVICES, type Caller, type ServiceName } from '@closeloop/contracts';
import { IMPORT_USAGE, runImport } from './import.command';

/** The operator acting through the CLI: a fixed system identity with the admin role. */
const OPERATOR: Caller = {
  userId: '00000000-0000-4000-8000-000000000001',
  roles: ['admin'],
  departments: [],
  stores: [],
};

const USAGE = `usage:
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
    },
  });
  const [group, command] = positionals;
  if (group === 'import') {
    return withRpc((rpc) =>
      runImport(rpc, OPERATOR, {
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
  return withRpc(async (rpc) => {
    const request = {
      caller: OPERATOR,
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

/** Connects to NATS like the services (NATS_URL, NATS_PREFIX, credentials), runs one command, closes. */
async function withRpc(command: (rpc: RpcClient) => Promise<number>): Promise<number> {
  const env = loadEnv(CommonEnv);
  const nc = await connectNats(env.NATS_URL, 'closeloop-cli', {
    credsFile: env.NATS_CREDS_FILE,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
  });
  try {
    return await command(new RpcClient(nc, env.NATS_PREFIX, 60_000));
  } catch (error) {
    if (error instanceof DomainError) {
      console.error(`${error.code}: ${error.message}`);
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
