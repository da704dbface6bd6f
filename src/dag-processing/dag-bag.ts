/**
 * Loads the DAG folder (Airflow's DagBag): every `*.ts`, `*.mts`, `*.js`, `*.mjs` file (not
 * `*.d.ts`, not files starting with `_`), TypeScript through tsx's `tsImport`. Every exported
 * value that is a DAG (`defineDag`'s result) is collected. A file that fails to import or declares
 * an invalid DAG becomes an import error naming the file (and the field), without stopping the
 * others, as Airflow lists import errors.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { DagDefinitionError } from '../core/errors.js';
import { isDag } from '../core/define-dag.js';
import type { Dag } from '../core/types.js';

/** The parsed DAG folder. */
export interface DagBag {
  /** DAGs by id, with the file that declared each */
  readonly dags: ReadonlyMap<string, { readonly dag: Dag; readonly file: string }>;
  /** files that could not be loaded, with a one-line reason */
  readonly importErrors: readonly { readonly file: string; readonly error: string }[];
}

const DAG_FILE = /\.(ts|mts|js|mjs)$/;

/** Parses every DAG file in `dir` (not recursive). A missing folder is an empty bag. */
export async function loadDagBag(dir: string): Promise<DagBag> {
  const dags = new Map<string, { dag: Dag; file: string }>();
  const importErrors: { file: string; error: string }[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { dags, importErrors };
    throw err;
  }
  for (const name of names) {
    if (!DAG_FILE.test(name) || name.endsWith('.d.ts') || name.startsWith('_') || name.startsWith('.')) continue;
    const file = path.join(dir, name);
    try {
      const st = await stat(file);
      if (!st.isFile()) continue;
      const bust = `?v=${st.mtimeMs}`;
      const mod = (/\.m?ts$/.test(name)
        ? await tsImport(`${pathToFileURL(file).href}${bust}`, import.meta.url)
        : await import(`${pathToFileURL(file).href}${bust}`)) as Record<string, unknown>;
      const found = Object.values(mod).filter(isDag);
      for (const dag of new Set(found)) {
        const other = dags.get(dag.dagId);
        if (other !== undefined && other.file !== file) {
          importErrors.push({ file, error: `dag_id "${dag.dagId}" is already declared in ${other.file}` });
          continue;
        }
        dags.set(dag.dagId, { dag, file });
      }
    } catch (err) {
      const msg =
        err instanceof DagDefinitionError
          ? `${err.dagId === undefined ? '' : `DAG "${err.dagId}": `}${err.field}: ${err.message}`
          : err instanceof Error
            ? err.message
            : String(err);
      importErrors.push({ file, error: msg.split('\n')[0] ?? msg });
    }
  }
  return { dags, importErrors };
}
