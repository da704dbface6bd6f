/**
 * Killing what is left of a try's process group after its worker died (process executor).
 *
 * The process executor spawns each try's child detached, so the child leads its own process
 * group and the group id is its pid. A worker killed with SIGKILL cannot take the group with it
 * (Node has no `PDEATHSIG`); the next worker on the host kills it. A recorded group id may have
 * been reused by then, so only processes of that group whose environment names the very try
 * (`HEATFLOW_DAG_ID`, `HEATFLOW_RUN_ID`, `HEATFLOW_TASK_ID`, `HEATFLOW_TRY_NUMBER`, set by the
 * task contract and inherited by the task's own children) are killed. Linux only (`/proc`);
 * elsewhere nothing is found.
 */
import { readdir, readFile } from 'node:fs/promises';

/** The try a process group belongs to. */
export interface TryIdentity {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly tryNumber: number;
}

/**
 * The process group id in a `/proc/<pid>/stat` line (field 5; the command name in field 2 is in
 * parentheses and may hold spaces and parentheses itself). proc(5).
 * @returns undefined when the line is not a stat line
 */
export function processGroupOfStat(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(' ');
  // after the command: state, ppid, pgrp
  const pgrp = Number(fields[2]);
  return Number.isInteger(pgrp) && pgrp > 0 ? pgrp : undefined;
}

/** The state letter of a `/proc/<pid>/stat` line (`Z`: a zombie, already dead). */
export function processStateOfStat(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  return close < 0 ? undefined : stat.slice(close + 2, close + 3) || undefined;
}

/** Does a `/proc/<pid>/environ` (NUL-separated `NAME=value`) name this try? */
export function environNamesTry(environ: string, t: TryIdentity): boolean {
  const vars = new Set(environ.split('\0'));
  return (
    vars.has(`HEATFLOW_DAG_ID=${t.dagId}`) &&
    vars.has(`HEATFLOW_RUN_ID=${t.runId}`) &&
    vars.has(`HEATFLOW_TASK_ID=${t.taskId}`) &&
    vars.has(`HEATFLOW_TRY_NUMBER=${t.tryNumber}`)
  );
}

/**
 * Live processes (not zombies) of process group `processGroup` that belong to try `t`.
 * @returns their pids; empty when none is left (or there is no `/proc`)
 */
export async function findTryProcesses(processGroup: number, t: TryIdentity): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (processGroupOfStat(stat) !== processGroup || processStateOfStat(stat) === 'Z') continue;
      if (environNamesTry(await readFile(`/proc/${entry}/environ`, 'utf8'), t)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or another user's process: not ours
    }
  }
  return pids;
}

/**
 * Sends SIGKILL to every live process of the group that belongs to the try.
 * @returns the pids killed
 */
export async function killTryProcessGroup(processGroup: number, t: TryIdentity): Promise<number[]> {
  const pids = await findTryProcesses(processGroup, t);
  const killed: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}
