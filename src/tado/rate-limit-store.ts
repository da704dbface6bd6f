/**
 * The last known state of the tado° daily quota, kept across processes: every try of extract is a
 * new process (or container), and without this each one re-learnt the quota by spending a request,
 * so retries spent the reserve down and then sent requests into 429s (issue 14).
 *
 * Stored as a small JSON file next to the token file (`<TADO_TOKEN_FILE>.quota.json`): the quota
 * belongs to the account as the token file does, and that file is already shared by every task
 * process and container of a deployment (the data volume), so extract needs no Redis or Postgres
 * credentials for it. Written atomically (temporary file, rename); a cache, so a missing file is
 * "not known yet", and the newest observation wins when two processes write.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HeatflowError } from '../core/errors.js';
import type { RateLimitInfo } from './rate-limit.js';

const fileSchema = z.object({
  quota: z.number().int().nonnegative().nullable(),
  window_s: z.number().nonnegative().nullable(),
  remaining: z.number().int().nonnegative().nullable(),
  refill_at: z.iso.datetime({ offset: true }).nullable(),
  observed_at: z.iso.datetime({ offset: true }),
});

/** The quota file exists but cannot be read or is not what {@link RateLimitStore} writes. */
export class RateLimitFileError extends HeatflowError {
  constructor(
    message: string,
    /** The quota file. */
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super('TADO_QUOTA_FILE', message, options);
  }
}

/** The quota file of a token file: `<token file>.quota.json`. */
export function quotaFileOf(tokenFile: string): string {
  return `${path.resolve(tokenFile)}.quota.json`;
}

/** Reads and writes the quota file; see the module comment. */
export class RateLimitStore {
  readonly file: string;

  constructor(file: string) {
    this.file = path.resolve(file);
  }

  /**
   * @returns the stored quota state, or undefined when there is no file yet
   * @throws RateLimitFileError naming the file and the field at fault when it is unreadable or malformed
   */
  async load(): Promise<RateLimitInfo | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new RateLimitFileError(`cannot read the tado quota file ${this.file}`, this.file, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new RateLimitFileError(`tado quota file ${this.file} is not JSON`, this.file, { cause: e });
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RateLimitFileError(
        `tado quota file ${this.file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
        this.file,
      );
    }
    const d = parsed.data;
    return {
      quota: d.quota ?? undefined,
      windowS: d.window_s ?? undefined,
      remaining: d.remaining ?? undefined,
      refillAt: d.refill_at === null ? undefined : new Date(d.refill_at),
      observedAt: new Date(d.observed_at),
    };
  }

  /**
   * Stores `info` unless the file already holds a newer observation (another process's).
   * Atomic: a reader sees the old or the new file.
   */
  async save(info: RateLimitInfo): Promise<void> {
    const current = await this.load().catch(() => undefined);
    if (current !== undefined && current.observedAt.getTime() > info.observedAt.getTime()) return;
    await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const body: z.input<typeof fileSchema> = {
      quota: info.quota ?? null,
      window_s: info.windowS ?? null,
      remaining: info.remaining ?? null,
      refill_at: info.refillAt?.toISOString() ?? null,
      observed_at: info.observedAt.toISOString(),
    };
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fsp.writeFile(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600, flag: 'wx' });
      await fsp.rename(tmp, this.file);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }
}
