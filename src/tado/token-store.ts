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
  /**
   * Test hook: called after each step of {@link TokenStore.write}, so a test can kill the process
   * there (test/integration/tado-token-rotation.test.ts). `@defaultValue` none
   */
  onWriteStep?: (step: TokenWriteStep) => void;
}

/**
 * The steps of a durable write, in order: the temporary file written (`temp-written`) and flushed
 * (`temp-synced`), renamed over the token file (`renamed`), the folder flushed (`dir-synced`).
 */
export type TokenWriteStep = 'temp-written' | 'temp-synced' | 'renamed' | 'dir-synced';

/** Reads and writes the token file; see the module comment. */
export class TokenStore {
  readonly file: string;
  readonly #lockFile: string;
  readonly #staleLockMs: number;
  readonly #lockTimeoutMs: number;
  readonly #onWriteStep: ((step: TokenWriteStep) => void) | undefined;
  /** Names of this file's temporary files: `<name>.<pid>.<8 hex>.tmp`. */
  readonly #tempName: RegExp;
  /** In-process queue: one holder at a time within this process. */
  #chain: Promise<void> = Promise.resolve();

  constructor(file: string, options: TokenStoreOptions = {}) {
    this.file = path.resolve(file);
    this.#lockFile = `${this.file}.lock`;
    this.#staleLockMs = options.staleLockMs ?? 30_000;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 90_000;
    this.#onWriteStep = options.onWriteStep;
    const base = path.basename(this.file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.#tempName = new RegExp(`^${base}\\.\\d+\\.[0-9a-f]{8}\\.tmp$`);
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
    return this.#parse(text);
  }

  #parse(text: string): StoredTokens {
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
      this.#onWriteStep?.('temp-written');
      await handle.sync();
      this.#onWriteStep?.('temp-synced');
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
    this.#onWriteStep?.('renamed');
    await this.#syncDir();
    this.#onWriteStep?.('dir-synced');
  }

  /** Flushes the folder, so that the rename survives a crash of the machine too. */
  async #syncDir(): Promise<void> {
    const dir = await fsp.open(path.dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /**
   * Finishes a write that a killed process left half done: when a complete temporary file of this
   * token file is newer (`saved_at`) than the file itself, it holds the refresh token the login
   * server issued last (the file's one is revoked), so it is renamed over the file; every other
   * leftover temporary file is removed. Call it holding the lock ({@link TokenStore.withLock}), as
   * the token manager does before each refresh.
   * @returns true when a leftover temporary file became the token file
   */
  async recover(): Promise<boolean> {
    const dir = path.dirname(this.file);
    let names: string[];
    try {
      names = (await fsp.readdir(dir)).filter((n) => this.#tempName.test(n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (names.length === 0) return false;
    const current = await this.read().catch(() => undefined);
    let best: { file: string; savedAtMs: number } | undefined;
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const t = this.#parse(await fsp.readFile(file, 'utf8'));
        const savedAtMs = t.savedAt?.getTime() ?? 0;
        if (best === undefined || savedAtMs > best.savedAtMs) best = { file, savedAtMs };
      } catch {
        // cut short by the kill before its write finished: never renamed, nothing to keep
      }
    }
    const adopt =
      best !== undefined && (current === undefined || best.savedAtMs > (current.savedAt?.getTime() ?? 0));
    if (adopt && best !== undefined) {
      const h = await fsp.open(best.file, 'r+');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
      await fsp.rename(best.file, this.file);
      await this.#syncDir();
    }
    for (const name of names) {
      const file = path.join(dir, name);
      if (!adopt || file !== best?.file) await fsp.rm(file, { force: true });
    }
    return adopt;
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
