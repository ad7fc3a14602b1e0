import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { RpcClient } from '@closeloop/messaging';
import {
  IMPORT_CHUNK_BYTES,
  IMPORT_CHUNKS_IN_FLIGHT,
  IMPORT_FORMATS,
  IMPORT_KINDS,
  ImportRpc,
  type Caller,
  type ImportFormat,
  type ImportKind,
  type ImportView,
} from '@closeloop/contracts';

/** Refused rows fetched per request: the largest page `import.errors` serves. */
const ERRORS_PAGE = 10_000;

export const IMPORT_USAGE = `import <${IMPORT_KINDS.join('|')}> <file.csv|file.xlsx> [--format csv|xlsx] [--no-wait] [--errors]`;

/**
 * `import customers <file>`: uploads the file to intake over NATS (the same RPCs as POST /api/v1/imports),
 * then follows the job with a progress bar until it is done; `--errors` prints the refused rows
 * (line,field,message). Exit code 0 when the import finished (even with refused rows), 1 when it failed.
 */
export async function runImport(
  rpc: RpcClient,
  caller: Caller,
  args: { kind?: string; file?: string; format?: string; wait: boolean; errors: boolean },
): Promise<number> {
  const kind = args.kind as ImportKind;
  if (!IMPORT_KINDS.includes(kind) || !args.file) {
    console.error(`usage: ${IMPORT_USAGE}`);
    return 2;
  }
  const format = (args.format ?? extname(args.file).slice(1).toLowerCase()) as ImportFormat;
  if (!IMPORT_FORMATS.includes(format)) {
    console.error(`cannot tell the format of ${args.file}: pass --format csv or --format xlsx`);
    return 2;
  }
  const size = statSync(args.file).size;
  const job = await rpc.request(ImportRpc.begin, { caller, kind, format, fileName: basename(args.file) });
  const started = Date.now();

  const upload = new SingleBar(
    { format: 'upload  [{bar}] {percentage}% {value}/{total} bytes' },
    Presets.shades_classic,
  );
  upload.start(size, 0);
  const hash = createHash('sha256');
  let seq = 0;
  const inFlight: Promise<unknown>[] = []; // several chunks at once (IMPORT_CHUNKS_IN_FLIGHT)
  for await (const piece of createReadStream(args.file, {
    highWaterMark: IMPORT_CHUNK_BYTES,
  }) as AsyncIterable<Buffer>) {
    hash.update(piece);
    const sent = rpc
      .request(ImportRpc.chunk, { caller, id: job.id, seq: seq++, data: piece.toString('base64') })
      .then(() => upload.increment(piece.length));
    sent.catch(() => undefined);
    inFlight.push(sent);
    if (inFlight.length >= IMPORT_CHUNKS_IN_FLIGHT) await inFlight.shift();
  }
  for (const sent of inFlight) await sent;
  upload.stop();
  if (seq === 0) await rpc.request(ImportRpc.chunk, { caller, id: job.id, seq: seq++, data: '' });
  await rpc.request(ImportRpc.commit, { caller, id: job.id, chunks: seq, sha256: hash.digest('hex') });
  console.error(`import ${job.id} queued`);
  if (!args.wait) return 0;

  const total = format === 'csv' ? await dataLines(args.file) : 0;
  const bar = new SingleBar(
    {
      format: `${kind.padEnd(9)} [{bar}] {percentage}% {value}/{total} rows | {status} | new {created} updated {updated} unchanged {unchanged} refused {failed}`,
    },
    Presets.shades_classic,
  );
  bar.start(total || 1, 0, counters(job));
  let current: ImportView = job;
  while (current.status !== 'done' && current.status !== 'failed') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    current = await rpc.request(ImportRpc.get, { caller, id: job.id });
    if (!total) bar.setTotal(Math.max(current.rowsRead, 1));
    bar.update(current.rowsRead, counters(current));
  }
  bar.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(JSON.stringify(current, null, 2));
  console.error(
    current.status === 'done'
      ? `done in ${seconds} s: ${current.created} new, ${current.updated} updated, ${current.unchanged} unchanged, ${current.failed} refused`
      : `failed after ${seconds} s: ${current.error}`,
  );
  if (args.errors && current.failed > 0) {
    console.log('line,field,message');
    let afterLine = 0;
    for (;;) {
      const page = await rpc.request(ImportRpc.errors, { caller, id: job.id, afterLine, limit: ERRORS_PAGE });
      for (const e of page) console.log(`${e.line},${e.field},"${e.message.replace(/"/g, '""')}"`);
      if (page.length < ERRORS_PAGE) break;
      afterLine = page[page.length - 1].line;
    }
  }
  return current.status === 'done' ? 0 : 1;
}

function counters(view: ImportView) {
  return {
    status: view.status,
    created: view.created,
    updated: view.updated,
    unchanged: view.unchanged,
    failed: view.failed,
  };
}

/** Lines of a csv file less the header (a progress total; quoted newlines make it an estimate). */
async function dataLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const piece of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < piece.length; i++) if (piece[i] === 10) lines++;
    last = piece[piece.length - 1];
  }
  return Math.max(0, lines + (last === 10 ? 0 : 1) - 1);
}
