/**
 * The paused flags `heatflow demo` changes while it runs, and how it puts them back. The demo
 * pauses tado_etl (only its backfill runs, no catchup up to today) and holds heating_analytics
 * paused until the backfill is done (its asset events wait, then one run consumes them). When the
 * demo ends, however it ends (success, a rejected option, an error, Ctrl-C), each DAG gets back
 * the flag it had before the demo. A DAG the demo recorded for the first time gets the flag its
 * DAG file gives new DAGs, except the backfilled DAG, which stays paused: unpaused, its schedule
 * would catch up every day since its start date.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { getDagRow, setDagPaused } from '../db/dag-repository.js';

/** What to set a DAG's paused flag to when the demo ends. Pure. */
export function pausedAfterDemo(o: {
  /** the flag before the demo; `undefined` when the DAG had no row yet */
  readonly before: boolean | undefined;
  /** the flag the DAG row got when the demo's DAG sync created it */
  readonly created: boolean;
  /** whether this is the DAG the demo backfills */
  readonly backfilled: boolean;
}): boolean {
  if (o.before !== undefined) return o.before;
  return o.backfilled ? true : o.created;
}

/** Called after the demo set a DAG's paused flag (to record it in the event log, as `dags pause` is). */
export type PauseChangeListener = (dagId: string, paused: boolean) => Promise<void>;

/** The paused flags of the demo's DAGs, captured before it changes them. */
export class DemoPauseState {
  private readonly created = new Map<string, boolean>();

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly backfilledDagId: string,
    private readonly before: ReadonlyMap<string, boolean | undefined>,
    private readonly onChange: PauseChangeListener,
  ) {}

  /**
   * Reads the flags of `dagIds` before the demo syncs the DAG folder (a DAG not recorded yet has none).
   * @param onChange - called after each flag the demo sets or puts back; `@defaultValue` nothing
   */
  static async capture(
    db: Kysely<Database>,
    backfilledDagId: string,
    dagIds: readonly string[],
    onChange: PauseChangeListener = () => Promise.resolve(),
  ): Promise<DemoPauseState> {
    const before = new Map<string, boolean | undefined>();
    for (const id of dagIds) before.set(id, (await getDagRow(db, id))?.is_paused);
    return new DemoPauseState(db, backfilledDagId, before, onChange);
  }

  /** Sets a DAG's flag for the demo, noting the flag the DAG sync gave a new DAG first. */
  async set(dagId: string, paused: boolean): Promise<void> {
    if (this.before.get(dagId) === undefined && !this.created.has(dagId)) {
      const row = await getDagRow(this.db, dagId);
      if (row !== undefined) this.created.set(dagId, row.is_paused);
    }
    await setDagPaused(this.db, dagId, paused);
    await this.onChange(dagId, paused);
  }

  /**
   * Puts every flag the demo set back ({@link pausedAfterDemo}).
   * @returns one line per DAG whose flag the demo leaves different from its own last setting, or
   *   keeps paused as a new DAG, saying so
   */
  async restore(): Promise<string[]> {
    const lines: string[] = [];
    for (const [dagId, before] of this.before) {
      const row = await getDagRow(this.db, dagId);
      if (row === undefined) continue;
      const created = this.created.get(dagId);
      if (before === undefined && created === undefined) continue; // never touched
      const paused = pausedAfterDemo({
        before,
        created: created ?? row.is_paused,
        backfilled: dagId === this.backfilledDagId,
      });
      if (row.is_paused !== paused) {
        await setDagPaused(this.db, dagId, paused);
        await this.onChange(dagId, paused);
      }
      if (before === undefined && paused && dagId === this.backfilledDagId)
        lines.push(
          `demo: ${dagId} stays paused (new here: unpaused, its schedule would catch up every day since its start date; \`heatflow dags unpause ${dagId}\` starts it)`,
        );
      else if (row.is_paused !== paused)
        lines.push(`demo: ${dagId} ${paused ? 'paused' : 'unpaused'} again, as before the demo`);
    }
    return lines;
  }
}
