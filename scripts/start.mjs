// Runs the whole platform on one machine: checks Postgres and NATS, creates the database if missing, then
// starts every service as its own process (migrations apply at each service's start), prefixes their
// logs, and stops them all on Ctrl-C. Production runs each service on its own (deploy/).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pg = require('pg');
const { connect } = require('@nats-io/transport-node');

export const SERVICES = ['intake', 'routing', 'gateway'];
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/closeloop';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const COLORS = { gateway: 36, intake: 32, routing: 35 };
// Each service's own HTTP port (its /health; the gateway's API): <SERVICE>_PORT, else its default.
const DEFAULT_PORTS = { gateway: 3000, intake: 3001, routing: 3002 };
const portOf = (service) => process.env[`${service.toUpperCase()}_PORT`] ?? String(DEFAULT_PORTS[service]);
/** METRICS_PORT=N serves each service's /metrics on its own port: intake N, routing N+1, gateway N+2. */
const metricsPortOf = (service) =>
  process.env.METRICS_PORT && process.env.METRICS_PORT !== '0'
    ? String(Number(process.env.METRICS_PORT) + SERVICES.indexOf(service))
    : '0';
const color = (service, text) =>
  process.stdout.isTTY ? `\x1b[${COLORS[service] ?? 33}m${text}\x1b[0m` : text;

function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

async function checkPostgres() {
  const url = new URL(DATABASE_URL);
  const database = decodeURIComponent(url.pathname.slice(1));
  const maintenance = new URL(DATABASE_URL);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    fail(
      `Cannot reach Postgres at ${url.host} (${error.message}).\n` +
        `Start it, e.g. on Debian: pg_ctlcluster 15 main start\n` +
        `or with Docker: docker compose up -d postgres\n` +
        `or point DATABASE_URL at a running server.`,
    );
  }
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) {
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    console.log(`created database ${database}`);
  }
  await client.end();
}

async function checkNats() {
  let nc;
  try {
    nc = await connect({ servers: NATS_URL, timeout: 3000, maxReconnectAttempts: 0 });
  } catch (error) {
    fail(
      `Cannot reach NATS at ${NATS_URL} (${error.message}).\n` +
        `Start it with JetStream, e.g.: nats-server -js -a 127.0.0.1 -p 4222 -sd /tmp/nats\n` +
        `or with Docker: docker compose up -d nats\n` +
        `or point NATS_URL at a running server.`,
    );
  }
  try {
    const info = await nc.request('$JS.API.INFO', undefined, { timeout: 3000 });
    const body = JSON.parse(new TextDecoder().decode(info.data));
    if (body.error) throw new Error(body.error.description);
  } catch (error) {
    fail(
      `NATS at ${NATS_URL} answers but JetStream is not enabled (${error.message}). Start nats-server with -js.`,
    );
  } finally {
    await nc.close();
  }
}

await checkPostgres();
await checkNats();

for (const service of SERVICES) {
  if (!existsSync(join(root, 'dist/apps', service, 'src/main.js')))
    fail('Not built: run `npm start` (it builds first).');
}

const children = new Map();
let stopping = false;

function start(service) {
  const child = spawn(process.execPath, [join(root, 'dist/apps', service, 'src/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL,
      NATS_URL,
      SERVICE_NAME: service,
      HTTP_PORT: portOf(service),
      METRICS_PORT: metricsPortOf(service),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = color(service, `[${service.padEnd(7)}]`);
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) console.log(`${prefix} ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(service);
    if (!stopping) {
      console.error(`${prefix} exited (${signal ?? code}); stopping the others`);
      stopAll(1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  children.set(service, child);
}

function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, 10_000).unref();
  if (children.size === 0) process.exit(code);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

for (const service of SERVICES) start(service);
console.log(
  `Closeloop starting: gateway http://127.0.0.1:${portOf('gateway')} (API docs at /api/docs). Ctrl-C stops everything.`,
);
