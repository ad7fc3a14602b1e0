/**
 * Reads a V8 .cpuprofile and tells where a service's CPU went: self and inclusive time by area (each
 * npm package, Node internals, Closeloop's libs and apps, GC) and the hottest functions by self time.
 * Shares are of busy time (idle samples left out). Usable alone: node dist/bench/intake/profile-summary.js FILE...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { round } from './stats';
import { table } from './report';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  /** Share of busy time spent in the area's own code. */
  selfByArea: { area: string; share: number }[];
  /** Share of busy time with the area anywhere on the stack. */
  inclusiveByArea: { area: string; share: number }[];
  topFunctions: { fn: string; share: number }[];
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'native/unattributed';
    if (functionName === '(root)') return 'root';
    return 'native/unattributed';
  }
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/(libs\/\w+|apps\/\w+|bench|test)\//.exec(url);
  if (own) return `closeloop ${own[1]}`;
  return 'other';
}

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const msPerHit = (profile.endTime - profile.startTime) / 1000 / totalHits;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleHits = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const area = areaOf(node.callFrame);
    if (area === 'idle') {
      idleHits += hits;
      continue;
    }
    self.set(area, (self.get(area) ?? 0) + hits);
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''} [${area}]`;
    functions.set(fn, (functions.get(fn) ?? 0) + hits);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frameArea = areaOf(byId.get(id)!.callFrame);
      if (frameArea !== 'root') seen.add(frameArea);
    }
    for (const a of seen) inclusive.set(a, (inclusive.get(a) ?? 0) + hits);
  }
  const busyHits = totalHits - idleHits || 1;
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, hits]) => [key, round(hits / busyHits, 4)] as const);
  return {
    file,
    busyMs: round((totalHits - idleHits) * msPerHit, 0),
    idleMs: round(idleHits * msPerHit, 0),
    selfByArea: ranked(self).map(([area, share]) => ({ area, share })),
    inclusiveByArea: ranked(inclusive).map(([area, share]) => ({ area, share })),
    topFunctions: ranked(functions)
      .slice(0, top)
      .map(([fn, share]) => ({ fn, share })),
  };
}

export function printProfileSummary(summary: ProfileSummary, areas = 15): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  const areaRows = summary.inclusiveByArea.slice(0, areas).map(({ area, share }) => {
    const selfShare = summary.selfByArea.find((s) => s.area === area)?.share ?? 0;
    return [area, pct(selfShare), pct(share)];
  });
  return [
    `${basename(summary.file)}: busy ${summary.busyMs} ms, idle ${summary.idleMs} ms`,
    table(['area', 'self', 'inclusive'], areaRows),
    '',
    table(
      ['hottest functions (self)', 'self'],
      summary.topFunctions.map(({ fn, share }) => [fn, pct(share)]),
    ),
  ].join('\n');
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    console.log(printProfileSummary(summariseProfile(file, 30), 25));
    console.log('');
  }
}
