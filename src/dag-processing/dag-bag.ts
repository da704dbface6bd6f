/**
 * The DAG bag: every DAG found in a folder of DAG files, and the files that failed to load.
 *
 * TypeScript DAG files (`.ts`, `.mts`) are imported through tsx's ESM API (`tsx/esm/api`, the
 * machinery behind `tsImport`), JavaScript ones (`.js`, `.mjs`) through `import()`. Each load uses
 * a fresh tsx namespace (and a fresh query for JavaScript), so loading again picks up edited files
 * and the modules they import, without restarting the process.
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import type { NamespacedUnregister } from 'tsx/esm/api';
import { isDag } from '../core/define-dag.js';
import type { Dag } from '../core/types.js';

/** A DAG and the file that declared it. */
export interface DagBagEntry {
  readonly dag: Dag;
  /** absolute path of the DAG file */
  readonly file: string;
}

/** A DAG file that could not be loaded, or a DAG in it that was refused. */
export interface DagImportError {
  /** absolute path of the DAG file */
  readonly file: string;
  /** what went wrong, naming the field for an invalid DAG */
  readonly error: string;
}

/** What {@link loadDagBag} found. */
export interface DagBag {
  /** DAGs by DAG id */
  readonly dags: Map<string, DagBagEntry>;
  /** one entry per broken file or refused DAG, in file order */
  readonly importErrors: DagImportError[];
}

const TS_EXTENSIONS = ['.ts', '.mts'];
const JS_EXTENSIONS = ['.js', '.mjs'];

let loadCounter = 0;

/** Import errors longer than this are cut (they are shown in the CLI and the web UI). */
const MAX_ERROR_CHARS = 2000;

/** Options of {@link loadDagBag}. */
export interface LoadDagBagOptions {
  /**
   * Re-import even when no file under the folder changed since the last load of the same folder
   * (size and mtime of every file, helpers included). `@defaultValue false`: an unchanged folder
   * returns the previous result, which keeps a long-running process from registering a new tsx
   * loader hook (Node.js cannot remove one) on every periodic re-parse.
   */
  force?: boolean;
}

interface Scan {
  readonly dagFiles: readonly string[];
  /** size and mtime of every file under the folder (not node_modules, not dot-folders) */
  readonly fingerprint: string;
}

const lastLoads = new Map<string, { fingerprint: string; bag: DagBag }>();

/**
 * Load every DAG file under `dir` (recursively; skipping `node_modules`, folders and files whose
 * name starts with `_` or `.`, and declaration files `*.d.ts`/`*.d.mts`), in path order, and
 * collect every exported value that is a DAG (`isDag`).
 *
 * A file that fails (syntax error, throws at import, invalid DAG, a DAG id already taken by an
 * earlier file) becomes an import error naming the file (and, for an invalid DAG, the field) and
 * does not stop the others. The first file (in path order) to declare a DAG id keeps it.
 *
 * A missing `dir` is an empty bag. When nothing under `dir` changed since its last load, the
 * previous DAGs and errors are returned without importing again (see {@link LoadDagBagOptions}).
 *
 * @throws Error only when a folder exists but cannot be read
 */
export async function loadDagBag(dir: string, options: LoadDagBagOptions = {}): Promise<DagBag> {
  const root = path.resolve(dir);
  const dags = new Map<string, DagBagEntry>();
  const importErrors: DagImportError[] = [];
  let scan: Scan;
  try {
    scan = await scanFolder(root);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { dags, importErrors };
    throw error;
  }
  const last = lastLoads.get(root);
  if (options.force !== true && last !== undefined && last.fingerprint === scan.fingerprint) {
    return { dags: new Map(last.bag.dags), importErrors: [...last.bag.importErrors] };
  }
  const files = scan.dagFiles;
  loadCounter += 1;
  const namespace = `heatflow-dags-${randomUUID()}`;
  const tsx = files.some((f) => TS_EXTENSIONS.includes(path.extname(f))) ? register({ namespace }) : null;
  try {
    for (const file of files) {
      let exports: Record<string, unknown>;
      try {
        exports = await importDagFile(file, tsx);
      } catch (error) {
        importErrors.push({ file, error: describeError(error) });
        continue;
      }
      const found = new Map<string, Dag>();
      const fileErrors: string[] = [];
      for (const value of Object.values(exports)) {
        if (!isDag(value)) continue;
        const other = found.get(value.dagId);
        if (other === undefined) found.set(value.dagId, value);
        else if (other !== value) fileErrors.push(`DAG id "${value.dagId}" is declared twice in this file`);
      }
      for (const [dagId, dag] of found) {
        const taken = dags.get(dagId);
        if (taken !== undefined) {
          fileErrors.push(`DAG id "${dagId}" is already declared in ${taken.file}`);
          continue;
        }
        dags.set(dagId, { dag, file });
      }
      for (const error of fileErrors) importErrors.push({ file, error });
    }
  } finally {
    if (tsx !== null) await tsx.unregister();
  }
  lastLoads.set(root, {
    fingerprint: scan.fingerprint,
    bag: { dags: new Map(dags), importErrors: [...importErrors] },
  });
  return { dags, importErrors };
}

async function importDagFile(
  file: string,
  tsx: NamespacedUnregister | null,
): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (TS_EXTENSIONS.includes(path.extname(file)) && tsx !== null) {
    return (await tsx.import(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(`${url}?heatflow-load=${loadCounter}`)) as Record<string, unknown>;
}

async function scanFolder(root: string): Promise<Scan> {
  const dagFiles: string[] = [];
  const stamps: string[] = [];
  const walk = async (dir: string, underscored: boolean): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        await walk(full, underscored || entry.name.startsWith('_'));
      } else if (entry.isFile()) {
        const st = await stat(full);
        stamps.push(`${path.relative(root, full)}\u0000${st.size}\u0000${st.mtimeMs}`);
        if (
          !underscored &&
          !entry.name.startsWith('_') &&
          !entry.name.startsWith('.') &&
          isDagFileName(entry.name)
        ) {
          dagFiles.push(full);
        }
      }
    }
  };
  await walk(root, false);
  return { dagFiles, fingerprint: stamps.join('\n') };
}

function isDagFileName(name: string): boolean {
  if (name.endsWith('.d.ts') || name.endsWith('.d.mts')) return false;
  const ext = path.extname(name);
  return TS_EXTENSIONS.includes(ext) || JS_EXTENSIONS.includes(ext);
}

/** One line for the import error: the message, with the field of an invalid DAG. */
function describeError(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    // DAG files import their own copy of the core module (a fresh tsx namespace per load), so
    // DagDefinitionError is recognised by its code and fields, not by `instanceof`.
    const { code, field } = error as Error & { code?: unknown; field?: unknown };
    text = `${error.name}: ${error.message}`;
    if (
      code === 'DAG_INVALID' &&
      typeof field === 'string' &&
      field !== '' &&
      !error.message.includes(field)
    ) {
      text += ` (field ${field})`;
    }
  } else {
    text = String(error);
  }
  const oneLine = text
    .replace(/[?&]namespace=heatflow-dags-[0-9a-f-]+/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
  return oneLine.length > MAX_ERROR_CHARS ? `${oneLine.slice(0, MAX_ERROR_CHARS - 1)}…` : oneLine;
}
