/**
 * Where the CPU went during a measured window, read from /proc (Linux only; elsewhere it reports nothing).
 * Every process that shares the machine is put in a bucket: the bench itself (load generator), its child
 * processes (the three services, the floor), Postgres backends serving the bench database, the rest of
 * Postgres (WAL writer, checkpointer, other databases), nats-server, and everything else.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every mainstream Linux build

interface ProcSample {
  bucket: string;
  ticks: number;
  /** Of which in the kernel (system time). */
  sysTicks: number;
}

export interface CpuSnapshot {
  at: bigint;
  processes: Map<number, ProcSample>;
  machine: { busy: number; total: number; steal: number } | undefined;
}

export interface CpuReport {
  wallSeconds: number;
  /** CPU seconds per bucket over the window. */
  seconds: Record<string, number>;
  /** Of which in the kernel (syscalls: sockets, and on loopback the receiver's TCP path too). */
  sysSeconds: Record<string, number>;
  /** Share of the whole machine (all cores) that was busy, 0..1. */
  machineBusy: number | undefined;
  /** Share the hypervisor gave to other guests (steal), 0..1: high means the host itself is overcommitted. */
  machineSteal: number | undefined;
  cores: number;
}

function readMachine(): CpuSnapshot['machine'] {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy, total: busy + idle + iowait, steal: steal ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * @param classify names the bucket of a process from its pid, parent pid, command name and command line;
 *   undefined puts it in "other".
 */
export function cpuSnapshot(
  classify: (pid: number, ppid: number, comm: string, cmdline: string) => string | undefined,
): CpuSnapshot {
  const processes = new Map<number, ProcSample>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    // not Linux
  }
  for (const entry of entries) {
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const rest = stat.slice(close + 2).split(' ');
      // rest[0] = state (field 3), so field n is rest[n - 3]: ppid 4, utime 14, stime 15.
      const ppid = Number(rest[1]);
      const sysTicks = Number(rest[12]);
      const ticks = Number(rest[11]) + sysTicks;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        // kernel thread or gone
      }
      processes.set(pid, {
        bucket: classify(pid, ppid, comm, cmdline) ?? 'other processes',
        ticks,
        sysTicks,
      });
    } catch {
      // the process ended while we read
    }
  }
  return { at: process.hrtime.bigint(), processes, machine: readMachine() };
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, cores: number): CpuReport {
  const seconds: Record<string, number> = {};
  const sysSeconds: Record<string, number> = {};
  for (const [pid, sample] of after.processes) {
    const earlier = before.processes.get(pid);
    const same = earlier !== undefined && earlier.bucket === sample.bucket;
    const ticks = same ? sample.ticks - earlier.ticks : sample.ticks;
    const sysTicks = same ? sample.sysTicks - earlier.sysTicks : sample.sysTicks;
    if (ticks <= 0) continue;
    seconds[sample.bucket] = (seconds[sample.bucket] ?? 0) + ticks / TICKS_PER_SECOND;
    sysSeconds[sample.bucket] = (sysSeconds[sample.bucket] ?? 0) + sysTicks / TICKS_PER_SECOND;
  }
  const span =
    before.machine && after.machine && after.machine.total > before.machine.total
      ? { before: before.machine, after: after.machine, total: after.machine.total - before.machine.total }
      : undefined;
  const machine = span ? (span.after.busy - span.before.busy) / span.total : undefined;
  const steal = span ? (span.after.steal - span.before.steal) / span.total : undefined;
  return {
    wallSeconds: Number(after.at - before.at) / 1e9,
    seconds,
    sysSeconds,
    machineBusy: machine,
    machineSteal: steal,
    cores,
  };
}
