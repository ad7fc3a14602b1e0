import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createTestDatabase, requireEnv, type TestDatabase } from './database';
import { deleteTestStream, testPrefix } from './nats';
import { pollUntil } from './poll';

/** The repository root, found upwards from here: works from the sources (jest) and from dist/ (bench). */
export const REPO_ROOT = findRepoRoot(__dirname);
const ROOT = REPO_ROOT;

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
export type ServiceName = 'gateway' | 'intake' | 'routing';
const ALL: ServiceName[] = ['intake', 'routing', 'gateway'];

export const ADMIN = { email: 'admin@e2e.test', password: 'e2e-admin-password' };

export interface RunningPlatform {
  gatewayUrl: string;
  prefix: string;
  db: TestDatabase;
  /** Every line every service printed, for assertions on logs (correlation ids, no contacts). */
  logs: { service: ServiceName; line: string }[];
  /** Process ids of the running services (profiles are named after them). */
  pids: Partial<Record<ServiceName, number>>;
  /** Sends a signal without waiting for the service to exit (e.g. SIGUSR2 to a profiler hook). */
  signal(service: ServiceName, signal: NodeJS.Signals): void;
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  start(service: ServiceName): Promise<void>;
  /**
   * Starts one more process of a service (another replica on its own port, same database and NATS
   * prefix); its log lines are tagged with the service. Returns a way to stop it; `stop()` stops it too.
   */
  startReplica(
    service: Exclude<ServiceName, 'gateway'>,
  ): Promise<{ pid: number; kill(signal?: NodeJS.Signals): Promise<void> }>;
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

/**
 * Starts the built services as separate processes against a database and a NATS prefix of their own, and
 * waits until each answers /health. Needs `npm run build` (the test command does it).
 */
export async function startPlatform(
  label: string,
  options: {
    env?: Record<string, string>;
    services?: ServiceName[];
    /** Extra Node flags per service, e.g. `--require` a profiler hook. */
    execArgv?: Partial<Record<ServiceName, string[]>>;
  } = {},
): Promise<RunningPlatform> {
  const main = (service: ServiceName) => join(ROOT, 'dist', 'apps', service, 'src', 'main.js');
  for (const service of ALL) {
    if (!existsSync(main(service))) throw new Error(`${main(service)} missing: run npm run build first`);
  }
  const db = await createTestDatabase(label);
  const prefix = testPrefix();
  const ports = Object.fromEntries(
    await Promise.all(ALL.map(async (s) => [s, await freePort()] as const)),
  ) as Record<ServiceName, number>;
  const children = new Map<string, ChildProcess>();
  const logs: RunningPlatform['logs'] = [];
  let replicas = 0;
  const pids: RunningPlatform['pids'] = {};

  /**
   * Spawns one process of `service`, registered under `key`, and waits for its /health. A free port found
   * by `freePort` can be taken by a parallel test before the service binds it: a start that failed with
   * EADDRINUSE is tried again on a new port (the service keeps it for later restarts).
   */
  const spawnService = async (service: ServiceName, key: string, port: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const from = logs.length;
      try {
        return await spawnOnce(service, key, port);
      } catch (error) {
        const taken = logs.slice(from).some((l) => l.service === service && l.line.includes('EADDRINUSE'));
        if (!taken || attempt === 3) throw error;
        port = await freePort();
        if (key === service) ports[service] = port;
      }
    }
  };

  const spawnOnce = async (service: ServiceName, key: string, port: number) => {
    const child = spawn(process.execPath, [...(options.execArgv?.[service] ?? []), main(service)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        SERVICE_NAME: service,
        DATABASE_URL: db.url,
        NATS_URL: requireEnv('NATS_URL'),
        NATS_PREFIX: prefix,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        PG_POOL_SIZE: '8',
        LOG_LEVEL: 'info',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        RATE_LIMIT_PER_SECOND: '10000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // 'close' comes after the process's output is read to its end (its last log lines included).
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
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
    children.set(key, child);
    if (key === service) pids[service] = child.pid;
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
        return (await fetch(`http://127.0.0.1:${port}/health`)).status;
      },
      (status) => status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: `${service} /health` },
    ).catch(async (error: unknown) => {
      if (child.exitCode !== null) await closed;
      const tail = logs
        .filter((l) => l.service === service)
        .slice(-20)
        .map((l) => l.line)
        .join('\n');
      throw new Error(`${String(error)}\n--- ${service} log ---\n${tail}`);
    });
  };

  const start = (service: ServiceName) => spawnService(service, service, ports[service]);

  const kill = async (service: string, signal: NodeJS.Signals = 'SIGTERM') => {
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
    signal: (service, signal) => void children.get(service)?.kill(signal),
    kill,
    start,
    async startReplica(service) {
      replicas += 1;
      const key = `${service}#${replicas}`;
      await spawnService(service, key, await freePort());
      return { pid: children.get(key)!.pid!, kill: (signal?: NodeJS.Signals) => kill(key, signal) };
    },
    async stop() {
      await Promise.all([...children.keys()].map((s) => kill(s, 'SIGTERM')));
      await db.drop();
      await deleteTestStream(prefix);
    },
  };
}
