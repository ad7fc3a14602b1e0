/**
 * bench/import: generates a customer file (1,000,000 rows by default), starts intake and the gateway from
 * dist/ on a fresh database and NATS prefix, uploads the file as a client does (one streamed
 * POST /api/v1/imports through the gateway, which sends it to intake in chunks), waits for the job, and prints the figure beside the 60 s target (issue 5). A second run of the same file
 * measures the idempotent re-run (it must add nothing). CPU per process from /proc, as bench/intake does.
 *
 *   npm run bench:import                  build, then 1,000,000 rows
 *   node dist/bench/import/main.js --rows 100000 --format xlsx
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { connectNats, RpcClient } from '@closeloop/messaging';
import {
  IMPORT_FORMATS,
  ImportRpc,
  type Caller,
  type ImportFormat,
  type ImportView,
} from '@closeloop/contracts';
import { ADMIN, Api, devCallerSigner, startPlatform, type RunningPlatform } from '@closeloop/testing';
import { cpuBetween, cpuSnapshot, type CpuReport } from '../intake/cpu';
import { cpuTable, table } from '../intake/report';

const TARGET_SECONDS = 60;

/** The media type a client sends each import format as. */
const CONTENT_TYPES: Record<ImportFormat, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
const OPERATOR: Caller = {
  userId: '00000000-0000-4000-8000-000000000002',
  roles: ['admin'],
  departments: [],
  stores: [],
};

const log = (message: string) => console.error(`[bench:import] ${message}`);

/** Mainland mobile prefixes libphonenumber accepts (so every generated row is valid). */
const PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '153',
  '155',
  '156',
  '157',
  '158',
  '159',
  '180',
  '181',
  '182',
  '183',
  '185',
  '186',
  '187',
  '188',
  '189',
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华';

const HEADER = [
  'externalSource',
  'externalId',
  'name',
  'phone',
  'email',
  'storeId',
  'consentCallbacks',
  'consentMarketing',
];

/** Row i of the file: unique phone, e-mail and CRM id, a name, a store, consents. */
function customerRow(i: number, salt: string): string[] {
  const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${i % 3 ? GIVEN[(i * 13) % GIVEN.length] : ''}`;
  // A valid prefix + 8 digits: unique per row (rows < 10^8).
  const phone = `${PREFIXES[i % PREFIXES.length]}${String(i).padStart(8, '0')}`;
  return [
    'crm',
    `${salt}-${i}`,
    name,
    phone,
    `u${i}.${salt}@example.com`,
    `store-${i % 200}`,
    i % 2 ? 'yes' : 'no',
    i % 5 ? 'no' : 'yes',
  ];
}

/** The same rows as an xlsx workbook (one worksheet), written as a stream by exceljs. */
async function generateXlsx(file: string, rows: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false });
  const sheet = workbook.addWorksheet('customers');
  sheet.addRow(HEADER).commit();
  const salt = randomBytes(3).toString('hex');
  for (let i = 0; i < rows; i++) sheet.addRow(customerRow(i, salt)).commit();
  sheet.commit();
  await workbook.commit();
}

/** A customer file like a CRM export: unique phones, e-mails and CRM ids, names, stores, consents. */
async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${HEADER.join(',')}\n`);
  const salt = randomBytes(3).toString('hex');
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    buffer += `${customerRow(i, salt).join(',')}\n`;
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  await write(buffer);
  await new Promise<void>((resolve) => out.end(resolve));
}

/**
 * The file as a client sends it: one streamed POST /api/v1/imports through the gateway, which forwards it to
 * intake in chunks (several in flight) and commits it with its SHA-256.
 */
async function upload(api: Api, file: string, format: ImportFormat): Promise<string> {
  const query = `kind=customers&format=${format}&fileName=bench.${format}`;
  const response = await fetch(`${api.baseUrl}/api/v1/imports?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': CONTENT_TYPES[format] },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  });
  const body = (await response.json()) as ImportView;
  if (response.status !== 202) throw new Error(`upload refused: ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

async function waitDone(rpc: RpcClient, id: string): Promise<ImportView> {
  let lastLog = 0;
  for (;;) {
    const view = await rpc.request(ImportRpc.get, { caller: OPERATOR, id });
    if (view.status === 'done' || view.status === 'failed') return view;
    if (Date.now() - lastLog > 5_000) {
      log(`  ${view.status}: ${view.rowsRead} rows read, ${view.created} new`);
      lastLog = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface RunFigures {
  label: string;
  uploadSeconds: number;
  processSeconds: number;
  totalSeconds: number;
  view: ImportView;
  outboxDrainSeconds: number;
  cpu: CpuReport;
  /** 1-minute load average when the run started and when the job ended (the machine is shared). */
  load: [number, number];
}

async function runOnce(
  label: string,
  platform: RunningPlatform,
  api: Api,
  rpc: RpcClient,
  file: string,
  format: ImportFormat,
  classify: Parameters<typeof cpuSnapshot>[0],
): Promise<RunFigures> {
  log(`${label}: uploading and importing`);
  const before = cpuSnapshot(classify);
  const loadBefore = loadavg()[0];
  const started = process.hrtime.bigint();
  const id = await upload(api, file, format);
  const uploaded = process.hrtime.bigint();
  const view = await waitDone(rpc, id);
  const done = process.hrtime.bigint();
  const after = cpuSnapshot(classify);
  const loadAfter = loadavg()[0];
  // The events (one customer.imported.v1 per batch) are published by the relay, also while the job runs.
  const drainStart = process.hrtime.bigint();
  for (;;) {
    const [row] = await platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM intake.outbox WHERE sent_at IS NULL`,
    );
    if (row.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (from: bigint, to: bigint) => Number(to - from) / 1e9;
  return {
    label,
    uploadSeconds: seconds(started, uploaded),
    processSeconds: seconds(uploaded, done),
    totalSeconds: seconds(started, done),
    view,
    outboxDrainSeconds: seconds(drainStart, process.hrtime.bigint()),
    cpu: cpuBetween(before, after, cpus().length),
    load: [loadBefore, loadAfter],
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: process.env.BENCH_ROWS ?? '1000000' },
      format: { type: 'string', default: 'csv' },
      keep: { type: 'boolean' },
    },
  });
  const rows = Number(values.rows);
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  process.env.NATS_URL ??= 'nats://127.0.0.1:4222';
  const dir = join(tmpdir(), `closeloop-bench-import-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const format = values.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(format)) {
    throw new Error(`--format must be one of ${IMPORT_FORMATS.join(', ')}, not ${format}`);
  }
  const file = join(dir, `customers.${format}`);
  log(`generating ${rows} rows`);
  const genStart = Date.now();
  await (format === 'csv' ? generate(file, rows) : generateXlsx(file, rows));
  log(
    `generated ${(statSync(file).size / 1e6).toFixed(1)} MB in ${((Date.now() - genStart) / 1000).toFixed(1)} s`,
  );

  const profileDir = process.env.BENCH_PROFILE_DIR;
  const platform = await startPlatform('bench_import', {
    services: ['intake', 'gateway'],
    ...(profileDir ? { execArgv: { intake: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } } : {}),
    env: {
      LOG_LEVEL: 'warn',
      IMPORT_POLL_SECONDS: '1',
      PG_POOL_SIZE: '8',
      // IMPORT_WORKERS, IMPORT_WRITERS, ... of this shell reach intake (to compare settings).
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          (entry): entry is [string, string] => entry[0].startsWith('IMPORT_') && entry[1] !== undefined,
        ),
      ),
    },
  });
  const natsPort = new URL(process.env.NATS_URL).port || '4222';
  const classify = (pid: number, ppid: number, comm: string, cmdline: string): string | undefined => {
    if (pid === process.pid) return 'bench (uploader)';
    if (ppid === process.pid && cmdline.includes('dist/apps/intake')) return 'intake';
    if (ppid === process.pid && cmdline.includes('dist/apps/gateway')) return 'gateway (upload)';
    if (comm === 'postgres') {
      return cmdline.includes(` ${platform.db.name} `)
        ? 'postgres (bench db backends)'
        : 'postgres (other: wal/bg/other dbs)';
    }
    if (comm === 'nats-server')
      return cmdline.includes(natsPort) || !/-p |\.conf/.test(cmdline) ? 'nats-server' : undefined;
    return undefined;
  };
  const nc = await connectNats(process.env.NATS_URL, 'closeloop-bench-import', {});
  const rpc = new RpcClient(nc, platform.prefix, 120_000, devCallerSigner()); // the services run with NODE_ENV=test
  try {
    const api = await new Api(platform.gatewayUrl).login(ADMIN.email, ADMIN.password);
    const first = await runOnce('first run', platform, api, rpc, file, format, classify);
    const second = await runOnce('re-run of the same file', platform, api, rpc, file, format, classify);
    const [counts] = await platform.db.query<{ customers: number; contacts: number }>(
      `SELECT (SELECT count(*)::int FROM intake.customers) AS customers,
              (SELECT count(*)::int FROM intake.customer_contacts) AS contacts`,
    );
    console.log(
      `\nbench/import: ${rows.toLocaleString('en')} customers (${(statSync(file).size / 1e6).toFixed(1)} MB ${format}), ${cpus().length} cores\n`,
    );
    console.log(
      table(
        [
          'run',
          'upload s',
          'import job s',
          'total s',
          'rows/s',
          'new',
          'unchanged',
          'refused',
          'target',
          'events drained s after',
          'load avg start/end',
        ],
        [first, second].map((r) => [
          r.label,
          r.uploadSeconds.toFixed(1),
          r.processSeconds.toFixed(1),
          r.totalSeconds.toFixed(1),
          Math.round(rows / r.totalSeconds).toLocaleString('en'),
          r.view.created,
          r.view.unchanged,
          r.view.failed,
          r.label === 'first run'
            ? `${r.totalSeconds <= TARGET_SECONDS ? 'MET' : 'MISSED'} (≤ ${TARGET_SECONDS} s)`
            : '-',
          r.outboxDrainSeconds.toFixed(1),
          `${r.load[0].toFixed(1)} / ${r.load[1].toFixed(1)}`,
        ]),
      ),
    );
    console.log(`\nstored: ${counts.customers} customers, ${counts.contacts} contacts\n`);
    console.log(cpuTable([first, second].map((r) => ({ label: r.label, ops: rows, cpu: r.cpu }))));
    if (first.view.status !== 'done' || second.view.created !== 0) process.exitCode = 1;
  } finally {
    await nc.close();
    await platform.stop();
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
