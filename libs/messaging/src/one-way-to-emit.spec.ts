/**
 * Issue 13: a service emits an event inside a transaction one way only, `tx.publish` (the unit of work
 * writes the outbox rows with the commit and wakes the relay). Writing the outbox by hand beside it (the
 * SLA sweep once did, through `OutboxWriter.insert`) is a second way, with its own ordering and its own
 * relay wake-up to forget. `OutboxWriter.event` alone stays allowed: the reconciliation jobs rebuild
 * envelopes to publish again, outside any transaction.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const APPS = join(ROOT, 'apps');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'dist', 'migrations', 'testing'].includes(entry.name) ? [] : sources(path);
    }
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Where a service writes outbox rows other than through `tx.publish`. */
export function handMadeOutboxWrites(source: string): string[] {
  const found: string[] = [];
  if (/INSERT\s+INTO\s+[\w."]*outbox\b/i.test(source)) found.push('INSERT INTO …outbox in SQL text');
  const writers = [...source.matchAll(/(\w+)\s*:\s*OutboxWriter\b/g)].map(([, name]) => name);
  for (const name of writers) {
    const call = new RegExp(`\\b${name}\\s*\\.\\s*(insert|add|insertStatements)\\s*\\(`);
    const match = call.exec(source);
    if (match) found.push(`${name}.${match[1]}(…)`);
  }
  return found;
}

describe('one way to emit an event inside a transaction (issue 13)', () => {
  it('recognises a hand-made outbox write', () => {
    const sweep = `constructor(private readonly outbox: OutboxWriter) {}
      async batch(tx) { await this.outbox.insert(tx.manager, events); }`;
    expect(handMadeOutboxWrites(sweep)).toEqual(['outbox.insert(…)']);
    expect(handMadeOutboxWrites(`manager.query('INSERT INTO routing.outbox (id) VALUES ($1)')`)).toHaveLength(
      1,
    );
    expect(
      handMadeOutboxWrites(`constructor(private readonly outbox: OutboxWriter) {}
      rebuild() { return this.outbox.event(TicketEvents.resolved, data, { id }); }`),
    ).toEqual([]);
  });

  it('no service writes the outbox but through tx.publish', () => {
    const offenders = sources(APPS).flatMap((path) =>
      handMadeOutboxWrites(readFileSync(path, 'utf8')).map((what) => `${relative(ROOT, path)}: ${what}`),
    );
    expect(offenders).toEqual([]);
  });
});
