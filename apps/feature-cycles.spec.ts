/**
 * Feature folders of a service depend on each other in one direction only (docs/code-roles.md, "Modules"):
 * each folder is a Nest module importing the modules of the folders it uses, and Nest refuses a cycle of
 * module imports, so a cycle between folders would otherwise show only at start (or be papered over with
 * forwardRef). This test reads every relative import (value and type imports alike; specs, fixtures and
 * migrations aside) between the feature folders of each app under apps/, and fails on any cycle that is
 * not in KNOWN_CYCLES below. A known cycle that is gone fails too, so the list states the present.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

const APPS = resolve(__dirname);

/**
 * Cycles left today, each as its folders sorted by name (docs/code-roles.md, "What is left"). The
 * gateway's auth, org and users folders import each other through the auth decorators every controller
 * uses and the user entity the org services read.
 */
const KNOWN_CYCLES: Record<string, string[][]> = {
  gateway: [['auth', 'org', 'users']],
};

/** The folder edges of one app: `from -> to -> files of from that import to`. */
export function folderEdges(src: string): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'migrations' && entry.name !== 'testing') visit(path);
        continue;
      }
      if (!entry.name.endsWith('.ts') || /\.(int-)?spec\.ts$/.test(entry.name)) continue;
      const from = relative(src, path).split(sep);
      if (from.length < 2) continue; // the app's own files (main, module, env, persistence) compose the folders
      const imports = ts.preProcessFile(readFileSync(path, 'utf8'), true, true).importedFiles;
      for (const { fileName } of imports) {
        if (!fileName.startsWith('.')) continue;
        const to = relative(src, resolve(dirname(path), fileName)).split(sep);
        if (to.length < 2 || to[0] === '..' || to[0] === from[0]) continue;
        const targets = edges.get(from[0]) ?? new Map<string, string[]>();
        edges.set(from[0], targets);
        targets.set(to[0], [...(targets.get(to[0]) ?? []), relative(src, path)]);
      }
    }
  };
  visit(src);
  return edges;
}

/** The strongly connected groups of more than one folder (Tarjan), each sorted, the list sorted. */
export function findCycles(graph: ReadonlyMap<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

describe('feature folders', () => {
  it('finds a cycle, through more than two folders too, and no cycle in a layered graph', () => {
    const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
    expect(findCycles(graph({ tickets: ['sla'], sla: ['tickets', 'settings'], settings: [] }))).toEqual([
      ['sla', 'tickets'],
    ]);
    expect(findCycles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(findCycles(graph({ tickets: ['sla', 'dispatch'], dispatch: ['sla'], sla: [] }))).toEqual([]);
  });

  const apps = readdirSync(APPS).filter((app) => existsSync(join(APPS, app, 'src')));

  it.each(apps)('%s: no import cycle between feature folders beyond the known ones', (app) => {
    const edges = folderEdges(join(APPS, app, 'src'));
    const cycles = findCycles(new Map([...edges].map(([from, targets]) => [from, [...targets.keys()]])));
    const known = KNOWN_CYCLES[app] ?? [];
    if (JSON.stringify(cycles) !== JSON.stringify(known)) {
      const imports = cycles.flatMap((cycle) =>
        cycle.flatMap((from) =>
          cycle
            .filter((to) => edges.get(from)?.has(to))
            .map((to) => `  ${from} -> ${to}: ${edges.get(from)!.get(to)!.join(', ')}`),
        ),
      );
      throw new Error(
        `${app}: cycles ${JSON.stringify(cycles)}, known ${JSON.stringify(known)}\n${imports.join('\n')}`,
      );
    }
    expect(cycles).toEqual(known);
  });
});
