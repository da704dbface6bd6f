/**
 * Holds the DAGs parsed from the DAG folder and re-parses them when they are older than
 * `reloadMs`. The scheduler, the worker, the CLI and the web server each keep one.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Dag } from '../core/types.js';
import { loadDagBag, type DagBag } from './dag-bag.js';

/** Options of {@link DagRegistry}. */
export interface DagRegistryOptions {
  /** re-parse the folder when the last parse is older than this, in ms; `@defaultValue 30_000` */
  reloadMs?: number;
  /** clock, for tests; `@defaultValue Date.now` */
  now?: () => number;
}

/** The parsed DAG folder, refreshed on demand. */
export class DagRegistry {
  private bag: DagBag = { dags: new Map(), importErrors: [] };
  private loadedAt = -Infinity;
  private loading: Promise<DagBag> | undefined;
  private readonly reloadMs: number;
  private readonly now: () => number;

  constructor(
    readonly dagsDir: string,
    options: DagRegistryOptions = {},
  ) {
    this.reloadMs = options.reloadMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** A registry over fixed DAGs that never re-parses (tests, benchmarks, embedding). */
  static fromDags(dags: readonly Dag[]): DagRegistry {
    const r = new DagRegistry('(in memory)', { reloadMs: Number.POSITIVE_INFINITY });
    r.bag = { dags: new Map(dags.map((dag) => [dag.dagId, { dag, file: '(in memory)' }])), importErrors: [] };
    r.loadedAt = Number.POSITIVE_INFINITY;
    r.fixed = true;
    return r;
  }

  private fixed = false;

  /** Re-parses the folder now (concurrent callers share one parse). */
  async refresh(): Promise<DagBag> {
    if (this.fixed) return this.bag;
    this.loading ??= folderSignature(this.dagsDir)
      .then(async (signature) => {
        const bag = await loadDagBag(this.dagsDir);
        this.signature = signature;
        return bag;
      })
      .then((bag) => {
        this.bag = bag;
        this.loadedAt = this.now();
        return bag;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * Re-parses when stale and a file in the folder changed (names, sizes, modification times).
   * Each parse imports the files afresh, so skipping unchanged folders keeps memory flat.
   * @returns true when it re-parsed
   */
  async refreshIfStale(): Promise<boolean> {
    if (this.now() - this.loadedAt < this.reloadMs) return false;
    const signature = await folderSignature(this.dagsDir);
    if (signature === this.signature) {
      this.loadedAt = this.now();
      return false;
    }
    await this.refresh();
    return true;
  }

  private signature: string | undefined;

  /** A DAG by id; re-parses once when it is unknown (a file may have just been added). */
  async get(dagId: string): Promise<Dag | undefined> {
    const found = this.bag.dags.get(dagId);
    if (found !== undefined) return found.dag;
    await this.refreshIfStale();
    return this.bag.dags.get(dagId)?.dag;
  }

  /** A DAG by id from the last parse, without re-parsing. */
  peek(dagId: string): Dag | undefined {
    return this.bag.dags.get(dagId)?.dag;
  }

  /** The last parse. */
  current(): DagBag {
    return this.bag;
  }
}

/** Names, sizes and modification times of the folder's files; '' when it does not exist. */
async function folderSignature(dir: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return '';
  }
  const parts = await Promise.all(
    names.map(async (n) => {
      const st = await stat(path.join(dir, n)).catch(() => undefined);
      return st === undefined ? n : `${n}:${st.size}:${st.mtimeMs}`;
    }),
  );
  return parts.join('|');
}
