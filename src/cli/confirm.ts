/**
 * Asking before a destructive command (`db reset`, `dags delete`), as Airflow's CLI asks: on a
 * terminal a yes/no question; without a terminal a refusal unless `--yes` was given.
 */
import { createInterface } from 'node:readline/promises';
import { CliError } from './context.js';

/**
 * Whether to go ahead: true with `--yes`; otherwise asks on the terminal (stdin).
 * @param question - e.g. `delete DAG "x" and its 3 runs?`
 * @param refusal - what nothing was done to, for the one-line error without a terminal
 * @throws CliError when stdin is not a terminal and `yes` is not set
 */
export async function confirmOrRefuse(
  question: string,
  yes: boolean | undefined,
  refusal: string,
): Promise<boolean> {
  if (yes === true) return true;
  if (process.stdin.isTTY !== true)
    throw new CliError(`${refusal}: stdin is not a terminal to ask on; pass --yes to go ahead`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
