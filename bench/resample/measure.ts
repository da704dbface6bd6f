/**
 * What one measured run cost (bench/resample-engines.ts): wall time, this process's CPU (all its
 * threads: DuckDB's included), the CPU of the Postgres backends it talked to (read from
 * `/proc/<pid>/stat`, so the work an engine leaves to the server is counted too), and the machine's
 * busy and stolen CPU over the run (`/proc/stat`, as bench/etl-backfill.sh reads it).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc` CPU counters (USER_HZ; 100 on Linux/x86-64). */
const TICKS_PER_S = 100;

/** CPU of one process in ms (user + system) from `/proc/<pid>/stat`; 0 when it is gone. */
export function processCpuMs(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // fields after "(comm)": state is field 3, utime 14, stime 15
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
}

/** The machine's busy and stolen CPU time so far, ms (all cores; `/proc/stat` line `cpu`). */
export function machineCpuMs(): { busyMs: number; stealMs: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number): number => f[i] ?? 0;
  const busy = at(0) + at(1) + at(2) + at(5) + at(6);
  return { busyMs: (busy * 1000) / TICKS_PER_S, stealMs: (at(7) * 1000) / TICKS_PER_S };
}

/** One measured run. */
export interface RunSample {
  readonly wallMs: number;
  /** this process, user + system, all threads */
  readonly cpuMs: number;
  /** the Postgres backends of the run's connections, user + system (10 ms resolution) */
  readonly serverCpuMs: number;
  /** every process of the machine (other sessions' work included), user + system */
  readonly machineBusyMs: number;
  readonly stealMs: number;
}

/**
 * Runs `work` once and measures it.
 *
 * @param backendPids - the Postgres backends whose CPU belongs to the run (`pg_backend_pid()` of
 *   each connection it uses); read again after the run, so connections opened inside `work` can
 *   push their pids into the array
 */
export async function measure(work: () => Promise<void>, backendPids: number[]): Promise<RunSample> {
  const server = (): number => backendPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const server0 = server();
  const machine0 = machineCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const machine1 = machineCpuMs();
  // a backend opened during the run was not in server0: all of its CPU counts
  const serverCpuMs = server() - server0;
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    serverCpuMs,
    machineBusyMs: machine1.busyMs - machine0.busyMs,
    stealMs: machine1.stealMs - machine0.stealMs,
  };
}

/** The median of a non-empty list. @throws Error when it is empty */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Peak resident memory of this process so far, MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
