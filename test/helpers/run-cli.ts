/**
 * Runs the `heatflow` command as users run it, in a child process, from source through tsx
 * (`node --import tsx src/cli/main.ts`), so the tests that use it need no build.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve('src/cli/main.ts');

/** What a command did: exit code (null when killed), stdout, stderr. */
export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** `@defaultValue 60_000` */
  readonly timeoutMs?: number;
  /** called with stderr so far as each chunk arrives (e.g. to send a signal at a given line) */
  readonly onStderr?: (soFar: string, kill: (signal: NodeJS.Signals) => void) => void;
  /** written to the command's stdin, which then ends; without it stdin ends at once (no input) */
  readonly input?: string;
}

/**
 * Runs `heatflow <args>` with `env`; killed with SIGKILL after `timeoutMs`.
 */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: RunCliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // a command that exits before reading its input closes the pipe: not the test's failure
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      options.onStderr?.(err, (s) => child.kill(s));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
