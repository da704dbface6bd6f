/**
 * What the project's DAG files (`dags/tado_etl.ts`, `dags/heating_analytics.ts`) share: reading
 * their settings from the environment with errors naming the variable, passing worker variables
 * to a task by reference (read when a try is rendered, never written into the DAG file), and the
 * command that starts a task program from its startup snapshot (docs/task-programs.md).
 */
import type { Templated } from '../core/types.js';
import { TASK_PROGRAM_NODE_FLAGS } from './program-flags.js';

/**
 * `name` from the environment as an integer ≥ 0, or `fallback` when unset or empty.
 * @throws Error naming the variable and its value when it is not such an integer
 */
export function envCount(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer ≥ 0, got "${raw}"`);
  return n;
}

/**
 * `name` from the environment as `true` or `false` (any case), or `fallback` when unset or empty.
 * @throws Error naming the variable and its value for anything else
 */
export function envFlag(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim().toLowerCase() === 'true') return true;
  if (raw.trim().toLowerCase() === 'false') return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** The worker's value of `name` at render time ('' when unset, which the tasks read as unset). */
export const fromWorkerEnv =
  (name: string): Templated<string> =>
  () =>
    process.env[name] ?? '';

/**
 * The command of task program `task`: `node --no-opt --snapshot-blob dist/snapshots/<task>.blob`
 * (its modules already evaluated, built by `npm run build`), or with `useSnapshot: false` its
 * plain bundle `dist/tasks/<task>.cjs`.
 */
export function taskProgramCommand(task: string, useSnapshot: boolean): readonly string[] {
  return useSnapshot
    ? ['node', ...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', `dist/snapshots/${task}.blob`]
    : ['node', ...TASK_PROGRAM_NODE_FLAGS, `dist/tasks/${task}.cjs`];
}

/**
 * Environment every task program gets: no `NODE_OPTIONS` from the worker (a snapshot loads only
 * under the V8 flags it was built with).
 */
export const TASK_PROGRAM_ENV: Readonly<Record<string, string>> = { NODE_OPTIONS: '' };

/**
 * `NODE_EXTRA_CA_CERTS` (parsed by Node.js at every start: about 60 ms of CPU per process where
 * it is set) only for a program that opens TLS connections: the worker's value when `usesTls()`
 * says so at render time, else none.
 */
export const extraCaCertsIf =
  (usesTls: () => boolean): Templated<string> =>
  () =>
    usesTls() ? (process.env.NODE_EXTRA_CA_CERTS ?? '') : '';
