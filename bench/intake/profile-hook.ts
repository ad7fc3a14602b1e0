/**
 * Preloaded into a service with `node --require dist/bench/intake/profile-hook.js` by `--profile`. The
 * first SIGUSR2 starts recording, the second stops and writes, into $BENCH_PROFILE_DIR:
 *  - `<service>-<pid>.cpuprofile`: V8's sampling profiler (open in Chrome DevTools, or read the summary
 *    the bench prints);
 *  - `<service>-<pid>.sql.json`: every statement the service sent through `pg`, counted by its text, with
 *    the time from sending to the answer (round trip included).
 * Signals rather than --cpu-prof, because Nest re-raises SIGTERM after closing and the process then dies
 * without writing --cpu-prof's file; this way the warm-up is not in the profile either.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

const session = new Session();
session.connect();
let running = false;
const statements = new Map<string, { count: number; totalMs: number }>();

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

// Counts statements while recording. pg's query() has callback and promise forms; the promise form (the one
// TypeORM and the services use) and query objects with a callback are timed, the rest passed through untouched.
type Query = (...args: unknown[]) => unknown;
const proto = Client.prototype as unknown as { query: Query };
const original = proto.query;
proto.query = function (this: unknown, ...args: unknown[]): unknown {
  const result = original.apply(this, args);
  if (!running) return result;
  const first = args[0];
  const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?');
  // Statements sent together (`sendTogether`: a transaction's rows and its COMMIT) count as one, by their
  // texts; values are parameters, never part of the text.
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 160);
  const start = process.hrtime.bigint();
  const record = () => {
    const entry = statements.get(key) ?? { count: 0, totalMs: 0 };
    entry.count++;
    entry.totalMs += Number(process.hrtime.bigint() - start) / 1e6;
    statements.set(key, entry);
  };
  if (result instanceof Promise) result.then(record, record);
  else if (typeof (first as { callback?: unknown })?.callback === 'function') {
    // A query object (`sendTogether`'s batch): pg calls its callback with the answer.
    const query = first as { callback: (...answer: unknown[]) => void };
    const callback = query.callback;
    query.callback = (...answer) => {
      record();
      callback(...answer);
    };
  } else record();
  return result;
};

process.on('SIGUSR2', () => {
  const toggle = async () => {
    if (!running) {
      statements.clear();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', {
        interval: Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 500),
      });
      await post('Profiler.start');
      running = true;
      return;
    }
    running = false;
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    const base = join(
      process.env.BENCH_PROFILE_DIR ?? '.',
      `${process.env.SERVICE_NAME ?? 'node'}-${process.pid}`,
    );
    writeFileSync(
      `${base}.sql.json`,
      JSON.stringify(
        [...statements.entries()].map(([sql, s]) => ({ sql, ...s })).sort((a, b) => b.count - a.count),
        null,
        2,
      ),
    );
    writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
  };
  toggle().catch((error: unknown) => console.error(`profile-hook: ${String(error)}`));
});
