/**
 * Why a DAG run is not moving (issue 16, item 4): a queued run the scheduler does not start, or a
 * running run whose task instances are not queued or not picked up. Pure: the facts are gathered by
 * `src/scheduler/run-blocker-service.ts`; the progress line of `dags backfill` and the demo, the
 * run's page and `dags state` say what this returns.
 */

/** What is known about one unfinished run and what it waits for. */
export interface RunFacts {
  readonly dagId: string;
  /** `queued` or `running` (a finished run is moving nowhere and has no reason) */
  readonly state: string;
  readonly runType: string;
  /** the run belongs to a backfill that is still running (its own max_active_runs applies) */
  readonly inRunningBackfill: boolean;
  readonly dagPaused: boolean;
  /** running runs counted against the limit that applies to this run */
  readonly runningRuns: number;
  /** the DAG's max_active_runs, or the backfill's own for its runs */
  readonly maxActiveRuns: number;
  /** task instances of this run by state */
  readonly tiStates: Readonly<Record<string, number>>;
  /** pools the run's `scheduled` task instances wait for: name, slots in use, slots */
  readonly pools: readonly { readonly pool: string; readonly used: number; readonly slots: number }[];
  /** running or queued task instances of the DAG, and its max_active_tasks */
  readonly dagActiveTis: number;
  readonly maxActiveTasks: number;
  /** at least one worker refreshed its liveness key recently */
  readonly workerAlive: boolean;
}

/**
 * The reason a run is not moving, or `undefined` when nothing holds it (it is running tasks, or
 * finished): `DAG paused`, `max_active_runs reached`, `pool full`, `max_active_tasks reached`,
 * `no worker alive`.
 */
export function runBlocker(f: RunFacts): string | undefined {
  const pausedHolds = f.dagPaused && !f.inRunningBackfill;
  const paused = `DAG ${f.dagId} is paused: its ${f.runType} runs wait until \`heatflow dags unpause ${f.dagId}\``;
  const limit = f.inRunningBackfill ? "the backfill's max_active_runs" : 'max_active_runs';
  if (f.state === 'queued') {
    if (pausedHolds) return paused;
    if (f.runningRuns >= f.maxActiveRuns)
      return `${limit} reached (${f.runningRuns} of ${f.maxActiveRuns} runs running)`;
    return undefined;
  }
  if (f.state !== 'running') return undefined;
  const n = (s: string) => f.tiStates[s] ?? 0;
  if (n('scheduled') > 0) {
    if (pausedHolds) return paused;
    const full = f.pools.find((p) => p.used >= p.slots);
    if (full !== undefined) return `pool "${full.pool}" full (${full.used} of ${full.slots} slots in use)`;
    if (f.dagActiveTis >= f.maxActiveTasks)
      return `max_active_tasks reached (${f.dagActiveTis} of ${f.maxActiveTasks} task instances active)`;
  }
  if (n('queued') + n('running') > 0 && !f.workerAlive)
    return 'no worker alive (start `heatflow worker`): its queued task instances are not picked up';
  return undefined;
}

/**
 * The reasons of several runs as one phrase for a progress line, most frequent first, e.g.
 * `2 waiting: DAG tado_etl is paused: …`; `undefined` when none is held.
 */
export function summariseBlockers(reasons: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const r of reasons) if (r !== undefined) counts.set(r, (counts.get(r) ?? 0) + 1);
  if (counts.size === 0) return undefined;
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([r, k]) => `${k} not moving: ${r}`)
    .join('; ');
}
