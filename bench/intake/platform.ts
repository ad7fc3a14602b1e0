/**
 * Starts gateway, intake and routing from the built dist/ as separate processes, exactly as the test
 * harness's `startPlatform` does (same environment, own database and NATS prefix, /health wait, same stop).
 *
 * Why not `startPlatform` itself: compiled into dist/test/harness/platform.js, it computes the repository
 * root as `join(__dirname, '..', '..')`, which is dist/ there, and looks for dist/dist/apps/<svc>/src/main.js.
 * It only works when run from the TypeScript sources (jest). Switch back to it once the harness finds the
 * root from a compiled location too. This copy also lets the bench add Node flags to the services
 * (`--profile`) and tell their pids apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  ADMIN,
  createTestDatabase,
  deleteTestStream,
  pollUntil,
  requireEnv,
  testPrefix,
  type ServiceName,
  type TestDatabase,
} from '@closeloop/testing';

/** The repository root, from dist/bench/intake/ (where this file runs from). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
const ALL: ServiceName[] = ['intake', 'routing', 'gateway'];

export interface BenchPlatform {
  gatewayUrl: string;
  prefix: string;
  db: TestDatabase;
  logs: { service: ServiceName; line: string }[];
  pids: Partial<Record<ServiceName, number>>;
  /** Sends a signal to a running service without waiting (the profiler hook listens for SIGUSR2). */
  signal(service: ServiceName, signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startBenchPlatform(
  label: string,
  options: {
    env?: Record<string, string>;
    execArgv?: Partial<Record<ServiceName, string[]>>;
    services?: ServiceName[];
  } = {},
): Promise<BenchPlatform> {
  const main = (service: ServiceName) => join(REPO_ROOT, 'dist', 'apps', service, 'src', 'main.js');
  for (const service of ALL) {
    if (!existsSync(main(service))) throw new Error(`${main(service)} missing: run npm run build first`);
  }
  const db = await createTestDatabase(label);
  const prefix = testPrefix();
  const ports = Object.fromEntries(
    await Promise.all(ALL.map(async (s) => [s, await freePort()] as const)),
  ) as Record<ServiceName, number>;
  const children = new Map<ServiceName, ChildProcess>();
  const logs: BenchPlatform['logs'] = [];
  const pids: BenchPlatform['pids'] = {};

  const start = async (service: ServiceName) => {
    const child = spawn(process.execPath, [...(options.execArgv?.[service] ?? []), main(service)], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        SERVICE_NAME: service,
        DATABASE_URL: db.url,
        NATS_URL: requireEnv('NATS_URL'),
        NATS_PREFIX: prefix,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(ports[service]),
        PG_POOL_SIZE: '8',
        LOG_LEVEL: 'info',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        RATE_LIMIT_PER_SECOND: '10000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pids[service] = child.pid;
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) logs.push({ service, line });
      });
    }
    children.set(service, child);
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
        return (await fetch(`http://127.0.0.1:${ports[service]}/health`)).status;
      },
      (status) => status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: `${service} /health` },
    ).catch((error: unknown) => {
      const tail = logs
        .filter((l) => l.service === service)
        .slice(-20)
        .map((l) => l.line)
        .join('\n');
      throw new Error(`${String(error)}\n--- ${service} log ---\n${tail}`);
    });
  };

  const kill = async (service: ServiceName, signal: NodeJS.Signals) => {
    const child = children.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    children.delete(service);
  };

  const services = options.services ?? ALL;
  try {
    // intake and routing first: they create the stream and the consumers before traffic arrives.
    await Promise.all(services.filter((s) => s !== 'gateway').map(start));
    if (services.includes('gateway')) await start('gateway');
  } catch (error) {
    await Promise.all([...children.keys()].map((s) => kill(s, 'SIGKILL')));
    await db.drop();
    await deleteTestStream(prefix);
    throw error;
  }

  return {
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    prefix,
    db,
    logs,
    pids,
    signal(service, signal) {
      children.get(service)?.kill(signal);
    },
    async stop() {
      await Promise.all([...children.keys()].map((s) => kill(s, 'SIGTERM')));
      await db.drop();
      await deleteTestStream(prefix);
    },
  };
}
