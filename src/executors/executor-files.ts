/**
 * Helpers shared by executors: where a try's XCom files live in the run folder, reading the
 * return value, and keeping the tail of stderr for error messages.
 */
import type { ExecutionRequest } from './executor.js';

/** File names of a try's XCom input and return value, relative to the run folder. */
export function xcomFileNames(req: Pick<ExecutionRequest, 'taskId' | 'tryNumber'>): {
  input: string;
  return: string;
} {
  const base = `.xcom/${req.taskId}.try${req.tryNumber}`;
  return { input: `${base}.input.json`, return: `${base}.return.json` };
}

/** Result of reading the return-value file. */
export type ReturnValueRead =
  | { present: false; error?: undefined }
  | { present: true; value: unknown; error?: undefined }
  | { present: false; error: string };

/** Limits of {@link readReturnValue}. */
export interface ReturnFileLimit {
  /** largest file read, in bytes; a bigger one is an error, unread */
  readonly maxBytes: number;
  /** the file's size in bytes (`stat`); rejects with `code: 'ENOENT'` when it is missing */
  readonly sizeOf: (p: string) => Promise<number>;
}

/**
 * Reads and parses the JSON a task wrote to `HEATFLOW_XCOM_RETURN_PATH`. A missing file means
 * "no return value"; invalid JSON is an error naming the task and file. With `limit`, the file's
 * size is checked before it is read, so a task writing gigabytes there cannot fill the worker's
 * memory (the XCom cap itself is checked on the JSON when it is pushed).
 */
export async function readReturnValue(
  filePath: string,
  taskId: string,
  read: (p: string) => Promise<string>,
  limit?: ReturnFileLimit,
): Promise<ReturnValueRead> {
  let raw: string;
  try {
    if (limit !== undefined) {
      const size = await limit.sizeOf(filePath);
      if (size > limit.maxBytes) {
        return {
          present: false,
          error: `task "${taskId}" wrote ${size} bytes to its return file ${filePath}, over the ${limit.maxBytes}-byte limit of a return file (4 x HEATFLOW_XCOM_MAX_BYTES); it was not read`,
        };
      }
    }
    raw = await read(filePath);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { present: false };
    throw err;
  }
  if (raw.trim() === '') return { present: false };
  try {
    return { present: true, value: JSON.parse(raw) as unknown };
  } catch (err) {
    return {
      present: false,
      error: `task "${taskId}" wrote invalid JSON to ${filePath}: ${(err as Error).message}`,
    };
  }
}

/** Keeps the last `maxBytes` of a stream, for error messages. */
export class StderrTail {
  private buf = '';
  constructor(private readonly maxBytes = 2000) {}
  push(chunk: Buffer | string): void {
    this.buf = (this.buf + chunk.toString()).slice(-this.maxBytes);
  }
  /** the last bytes written, as text */
  text(): string {
    return this.buf;
  }
  /** `": <last lines>"`, or empty when nothing was written */
  describe(maxChars = 500): string {
    const t = this.buf.trim();
    if (t === '') return '';
    const lines = t.split('\n').slice(-5).join(' | ');
    return `; stderr: ${lines.slice(-maxChars)}`;
  }
}
