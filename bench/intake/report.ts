/** Plain-text tables for the console. */
import type { CpuReport } from './cpu';
import { round } from './stats';

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

export function formatErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? '0' : entries.map(([code, n]) => `${n}x${code}`).join(' ');
}

export function verdict(ok: boolean): string {
  return ok ? 'MET' : 'MISSED';
}

/** CPU milliseconds per operation for each bucket, biggest first, plus the machine's busy share. */
export function cpuTable(reports: { label: string; ops: number; cpu: CpuReport }[]): string {
  const buckets = new Map<string, number>();
  for (const { cpu } of reports) {
    for (const [bucket, seconds] of Object.entries(cpu.seconds))
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + seconds);
  }
  const ordered = [...buckets.entries()].sort((a, b) => b[1] - a[1]).map(([bucket]) => bucket);
  const headers = ['CPU ms per op (kernel share)', ...reports.map((r) => r.label)];
  const cell = (r: (typeof reports)[number], bucket: string) => {
    const seconds = r.cpu.seconds[bucket] ?? 0;
    if (r.ops === 0) return '-';
    const sys = seconds > 0 ? Math.round(((r.cpu.sysSeconds[bucket] ?? 0) / seconds) * 100) : 0;
    return `${round((seconds * 1000) / r.ops, 3).toFixed(3)} (${String(sys).padStart(2)}%)`;
  };
  const rows: (string | number)[][] = ordered.map((bucket) => [
    bucket,
    ...reports.map((r) => cell(r, bucket)),
  ]);
  rows.push([
    'total',
    ...reports.map((r) =>
      r.ops > 0
        ? round((Object.values(r.cpu.seconds).reduce((a, b) => a + b, 0) * 1000) / r.ops, 3).toFixed(3)
        : '-',
    ),
  ]);
  rows.push([
    `machine busy (${reports[0]?.cpu.cores ?? '?'} cores)`,
    ...reports.map((r) =>
      r.cpu.machineBusy === undefined ? '-' : `${Math.round(r.cpu.machineBusy * 100)}%`,
    ),
  ]);
  rows.push([
    'of which steal (hypervisor)',
    ...reports.map((r) =>
      r.cpu.machineSteal === undefined ? '-' : `${Math.round(r.cpu.machineSteal * 100)}%`,
    ),
  ]);
  return table(headers, rows);
}
