/**
 * Reads the JSON files the tado_etl tasks pass through the run folder (extract's zone list and day
 * reports, transform's tables) so that a file cut off, empty, missing or not JSON at all fails with
 * an error naming the file, the zone and the date, and saying which task wrote it and what heals
 * it, instead of a bare `SyntaxError`.
 *
 * Retrying the reading task cannot help: it would read the same bytes. A file is written once by
 * its upstream task, so what heals it is running that task again (`heatflow tasks clear … -t
 * <upstream> --downstream`); the reader therefore fails without retries ({@link etlTaskSignal}
 * in `etl-task-signal.ts`) and its message says which task to clear (docs/pipeline.md).
 */
import { readFile } from 'node:fs/promises';
import { HeatflowError } from '../core/errors.js';

/** Which file is read and what it holds (for the message). */
export interface TaskFileContext {
  /** the file, relative to the run folder (as named in the XComs) */
  readonly file: string;
  /** what the file is about: `zone 3`, `zone list`, `all zones` */
  readonly subject: string;
  /** the run's local date, `YYYY-MM-DD` */
  readonly date: string;
  /** the task that wrote the file (`extract`, `transform`) */
  readonly writtenBy: string;
  /** the DAG, for the hint; `@defaultValue` `tado_etl` */
  readonly dagId?: string;
}

/** Why a file could not be read: `truncated` (JSON cut off, or empty), `not_json`, `missing`. */
export type TaskFileProblem = 'truncated' | 'not_json' | 'missing';

/** A run-folder file is truncated, not JSON or missing; names file, zone/subject, date and the task to clear. */
export class TaskFileUnreadableError extends HeatflowError {
  constructor(
    readonly file: string,
    readonly subject: string,
    readonly date: string,
    readonly problem: TaskFileProblem,
    /** what the parser or the file system said */
    readonly detail: string,
    readonly writtenBy: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('TASK_FILE_UNREADABLE', message, options);
  }
}

/** Whether a `JSON.parse` error means the text stopped early (its position is at the end of the text). */
function looksTruncated(text: string, err: Error): boolean {
  if (text.trim() === '' || /Unexpected end of JSON input/.test(err.message)) return true;
  const at = /at position (\d+)/.exec(err.message);
  return at?.[1] !== undefined && Number(at[1]) >= text.trimEnd().length;
}

function unreadable(
  ctx: TaskFileContext,
  problem: TaskFileProblem,
  detail: string,
  cause: unknown,
): TaskFileUnreadableError {
  const what =
    problem === 'missing'
      ? 'the file is missing'
      : `the file is truncated or not JSON (${problem === 'truncated' ? 'it stops before the JSON ends' : 'it does not parse as JSON'}: ${detail})`;
  const dag = ctx.dagId ?? 'tado_etl';
  const message =
    `${ctx.file} (${ctx.subject}, ${ctx.date}): ${what}; ${ctx.writtenBy} wrote it, and reading it again ` +
    `cannot help: run ${ctx.writtenBy} again (heatflow tasks clear ${dag} -s ${ctx.date} -e ${ctx.date} ` +
    `-t '^${ctx.writtenBy}$' --downstream --yes)`;
  return new TaskFileUnreadableError(
    ctx.file,
    ctx.subject,
    ctx.date,
    problem,
    detail,
    ctx.writtenBy,
    message,
    {
      cause,
    },
  );
}

/**
 * Parses `text`, the content of `ctx.file`.
 * @throws TaskFileUnreadableError `truncated` or `not_json`, naming file, subject and date
 */
export function parseTaskJson(text: string, ctx: TaskFileContext): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const detail = `${e.message}; ${Buffer.byteLength(text)} bytes`;
    throw unreadable(ctx, looksTruncated(text, e) ? 'truncated' : 'not_json', detail, err);
  }
}

/**
 * Reads and parses the file at `absolutePath` (`ctx.file` resolved in the run folder).
 * @throws TaskFileUnreadableError `missing`, `truncated` or `not_json`; other file-system errors
 *   (permissions, I/O) as they are
 */
export async function readTaskJson(absolutePath: string, ctx: TaskFileContext): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(absolutePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw unreadable(ctx, 'missing', (err as Error).message, err);
    }
    throw err;
  }
  return parseTaskJson(text, ctx);
}
