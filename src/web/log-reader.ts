/**
 * Reads try logs from the log folder in byte ranges, so that a running try's log can be followed
 * (the reader resumes where the last read stopped: Airflow's `continuation_token`).
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InvalidIdError, PathEscapeError } from '../core/errors.js';
import { isInside } from '../core/safe-path.js';
import { tryLogPath } from '../worker/log-paths.js';
import { HttpProblem } from './http-problem.js';

/** A slice of a log file. */
export interface LogSlice {
  readonly content: string;
  /** byte offset the next read starts at */
  readonly nextOffset: number;
  /** size of the file when read, in bytes */
  readonly sizeBytes: number;
  /** the file does not exist */
  readonly missing: boolean;
}

/**
 * Reads `[offset, offset + maxBytes)` of a file; a cut inside a UTF-8 character is left for the
 * next read.
 */
export async function readLogSlice(file: string, offset: number, maxBytes: number): Promise<LogSlice> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT')
      return { content: '', nextOffset: offset, sizeBytes: 0, missing: true };
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const start = Math.min(offset, size);
    const length = Math.min(maxBytes, size - start);
    const buf = Buffer.alloc(length);
    const { bytesRead } = length === 0 ? { bytesRead: 0 } : await fh.read(buf, 0, length, start);
    let end = bytesRead;
    // do not split a multi-byte character: back off to its first byte when the slice ends inside it
    if (start + end < size) {
      let i = end - 1;
      while (i >= 0 && end - i <= 4 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--;
      if (i >= 0 && (buf[i] ?? 0) >= 0xc0) {
        const lead = buf[i] ?? 0;
        const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (end - i < need) end = i;
      }
    }
    return {
      content: buf.subarray(0, end).toString('utf8'),
      nextOffset: start + end,
      sizeBytes: size,
      missing: false,
    };
  } finally {
    await fh.close();
  }
}

/** The size of a file in bytes, 0 when missing. */
export async function fileSize(file: string): Promise<number> {
  try {
    const fh = await open(file, 'r');
    try {
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  } catch {
    return 0;
  }
}

const tokenSchema = z.object({ offset: z.number().int().min(0) });

/** Encodes a byte offset as an opaque continuation token. */
export function encodeLogToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

/**
 * Decodes a continuation token.
 * @throws HttpProblem 400 naming the `token` parameter when it is not one of ours
 */
export function decodeLogToken(token: string): number {
  try {
    return tokenSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).offset;
  } catch {
    throw new HttpProblem(
      400,
      'invalid query parameter "token": not a continuation token returned by this API',
      undefined,
      'token',
    );
  }
}

/**
 * Where the log of a try is: the path the worker recorded, else the standard layout under the log
 * folder; `undefined` when either would be outside the log folder (a path recorded from a hostile
 * run id before ids were checked is never read) or the ids are not valid ids.
 */
export function logFileOf(
  logDir: string,
  recorded: string | null,
  t: { dagId: string; runId: string; taskId: string; tryNumber: number },
): string | undefined {
  if (recorded !== null) {
    return recorded !== '' && path.isAbsolute(recorded) && isInside(logDir, recorded) ? recorded : undefined;
  }
  try {
    return tryLogPath(logDir, t);
  } catch (err) {
    if (err instanceof InvalidIdError || err instanceof PathEscapeError) return undefined;
    throw err;
  }
}
