/**
 * The token file: the refresh token (and the current access token, so that several task
 * processes sharing one account do not each rotate the refresh token), written atomically with
 * mode 0600, and a lock so that only one process refreshes at a time.
 *
 * Why: a tado refresh token is single-use; using it revokes it at once (tado engineer, PyTado
 * #155). Two processes refreshing with the same token leave one of them with a dead token, and a
 * new token not saved at once is lost (HA #176592). The format is a superset of PyTado/libtado's
 * `{"refresh_token": "..."}`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HeatflowError } from '../core/errors.js';

/** What the token file holds. */
export interface StoredTokens {
  /** The one valid refresh token (30 days, single use). */
  readonly refreshToken: string;
  /** The last access token, when still worth reusing. */
  readonly accessToken?: string | undefined;
  /** When `accessToken` expires. */
  readonly accessTokenExpiresAt?: Date | undefined;
  /** When the file was written. */
  readonly savedAt?: Date | undefined;
}

const fileSchema = z.object({
  refresh_token: z.string().min(1),
  access_token: z.string().min(1).optional(),
  access_token_expires_at: z.string().optional(),
  saved_at: z.string().optional(),
});

/** The token file exists but is not valid JSON of the expected shape. */
export class TokenFileError extends HeatflowError {
  constructor(
    message: string,
    /** The token file. */
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super('TADO_TOKEN_FILE', message, options);
  }
}

/** Options of {@link TokenStore}. */
export interface TokenStoreOptions {
  /**
   * A lock not refreshed for this long is taken to be left by a dead process, in ms; the holder
   * touches it every third of this. `@defaultValue 30_000`
   */
  staleLockMs?: number;
  /** Longest wait for the lock, in ms; `@defaultValue 90_000` */
  lockTimeoutMs?: number;
}

/** Reads and writes the token file; see the module comment. */
export class TokenStore {
  readonly file: string;
  readonly #lockFile: string;
  readonly #staleLockMs: number;
  readonly #lockTimeoutMs: number;
  /** In-process queue: one holder at a time within this process. */
  #chain: Promise<void> = Promise.resolve();

  constructor(file: string, options: TokenStoreOptions = {}) {
    this.file = path.resolve(file);
    this.#lockFile = `${this.file}.lock`;
    this.#staleLockMs = options.staleLockMs ?? 30_000;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 90_000;
  }

  /**
   * Reads the file.
   * @returns undefined when there is no file (nobody signed in yet)
   * @throws TokenFileError when the file is unreadable or malformed
   */
  async read(): Promise<StoredTokens | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TokenFileError(`cannot read tado token file ${this.file}`, this.file, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new TokenFileError(`tado token file ${this.file} is not JSON`, this.file, { cause: e });
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      throw new TokenFileError(
        `tado token file ${this.file} has no "refresh_token" string; run \`heatflow tado login\``,
        this.file,
      );
    }
    const d = parsed.data;
    const exp = d.access_token_expires_at === undefined ? undefined : new Date(d.access_token_expires_at);
    return {
      refreshToken: d.refresh_token,
      accessToken: d.access_token,
      accessTokenExpiresAt: exp !== undefined && Number.isFinite(exp.getTime()) ? exp : undefined,
      savedAt: d.saved_at === undefined ? undefined : new Date(d.saved_at),
    };
  }

  /**
   * Writes the file atomically (temporary file with mode 0600, fsync, rename), creating the folder
   * (mode 0700) when missing. A reader sees the old or the new file, never half of one.
   */
  async write(tokens: StoredTokens): Promise<void> {
    await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const body = {
      refresh_token: tokens.refreshToken,
      ...(tokens.accessToken === undefined ? {} : { access_token: tokens.accessToken }),
      ...(tokens.accessTokenExpiresAt === undefined
        ? {}
        : { access_token_expires_at: tokens.accessTokenExpiresAt.toISOString() }),
      saved_at: (tokens.savedAt ?? new Date()).toISOString(),
    };
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fsp.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.chmod(tmp, 0o600); // in case the umask was odd
      await fsp.rename(tmp, this.file);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Runs `fn` holding the lock: one holder per process (a promise queue) and across processes
   * (an exclusive `<file>.lock`, kept fresh while held, taken over when not refreshed for `staleLockMs`).
   * @throws TokenFileError when the lock cannot be taken within `lockTimeoutMs`
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#chain;
    let release!: () => void;
    this.#chain = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      await this.#acquireFileLock();
      // heartbeat: a slow refresh (timeouts, retries) must not look like a dead holder
      const beat = setInterval(
        () => {
          const t = new Date();
          fsp.utimes(this.#lockFile, t, t).catch(() => undefined);
        },
        Math.max(10, Math.floor(this.#staleLockMs / 3)),
      );
      beat.unref();
      try {
        return await fn();
      } finally {
        clearInterval(beat);
        await fsp.rm(this.#lockFile, { force: true });
      }
    } finally {
      release();
    }
  }

  async #acquireFileLock(): Promise<void> {
    await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      try {
        const h = await fsp.open(this.#lockFile, 'wx', 0o600);
        await h.writeFile(`${process.pid}\n`);
        await h.close();
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      try {
        const st = await fsp.stat(this.#lockFile);
        if (Date.now() - st.mtimeMs > this.#staleLockMs) {
          await fsp.rm(this.#lockFile, { force: true });
          continue;
        }
      } catch {
        continue; // removed meanwhile: try again at once
      }
      if (Date.now() > deadline) {
        throw new TokenFileError(
          `timed out waiting for the tado token lock ${this.#lockFile} (another process refreshing?)`,
          this.file,
        );
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
