/**
 * Variables, as Airflow's `Variable`: key/value text (JSON allowed), stored in
 * `heatflow.variables`, the value encrypted when HEATFLOW_FERNET_KEY is set. Every change is
 * recorded in the event log with its key (never its value). Used by the CLI, the REST API and the
 * worker's templating.
 */
import type { Kysely } from 'kysely';
import { recordEvent, type EventActor, type EventLogWarn } from '../audit/event-log.js';
import { HeatflowError, NotFoundError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import {
  deleteVariableRow,
  getVariableRow,
  listVariableRows,
  upsertVariableRow,
  type VariableRow,
} from '../db/variable-repository.js';
import { DecryptError, type SecretCipher } from '../secrets/secret-cipher.js';
import { isSensitiveName } from '../secrets/sensitive.js';

/** A variable, decrypted. */
export interface Variable {
  readonly key: string;
  /** the plain value (a secret when {@link isSensitive}) */
  readonly value: string;
  readonly description: string | null;
  readonly isEncrypted: boolean;
  /** the key holds one of Airflow's sensitive words: the value is masked wherever it is shown */
  readonly isSensitive: boolean;
}

/** Keys: 1..250 characters of letters, digits, `_ . -` (they appear in paths and templates). */
export const VARIABLE_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,250}$/;

/** An invalid variable key or value (names the key). */
export class VariableError extends HeatflowError {
  constructor(message: string) {
    super('VARIABLE', message);
    this.name = 'VariableError';
  }
}

/** @throws VariableError naming the key when it does not match {@link VARIABLE_KEY_PATTERN} */
export function assertVariableKey(key: string): void {
  if (!VARIABLE_KEY_PATTERN.test(key))
    throw new VariableError(
      `variable key ${JSON.stringify(key.slice(0, 260))} is invalid: 1 to 250 letters, digits, "_", "." or "-"`,
    );
}

/** What a change needs: who made it, and where to report a failed event-log write. */
/** A stored variable or connection that cannot be decrypted with the configured key. */
export interface Unreadable {
  /** the variable's key or the connection's id */
  readonly id: string;
  /** the DecryptError's message (names it and says the key does not match) */
  readonly error: string;
}

export interface ChangeContext {
  readonly actor: EventActor;
  readonly log?: EventLogWarn;
}

/** The variable store. */
export class VariableService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cipher: SecretCipher,
  ) {}

  private decode(row: VariableRow): Variable {
    return {
      key: row.key,
      value: row.is_encrypted ? this.cipher.decrypt(row.val, `variable "${row.key}"`) : row.val,
      description: row.description,
      isEncrypted: row.is_encrypted,
      isSensitive: isSensitiveName(row.key),
    };
  }

  /**
   * The variable, or undefined when there is none.
   * @throws DecryptError naming the variable when its value cannot be decrypted
   */
  async get(key: string): Promise<Variable | undefined> {
    const row = await getVariableRow(this.db, key);
    return row === undefined ? undefined : this.decode(row);
  }

  /**
   * The variable.
   * @throws NotFoundError naming the key; DecryptError naming the variable
   */
  async require(key: string): Promise<Variable> {
    const v = await this.get(key);
    if (v === undefined) throw new NotFoundError(`variable "${key}" does not exist`);
    return v;
  }

  /**
   * Every variable, by key.
   * @throws DecryptError naming the first variable that cannot be decrypted
   */
  async list(): Promise<Variable[]> {
    return (await listVariableRows(this.db)).map((r) => this.decode(r));
  }

  /**
   * Every variable that can be read, and the keys of those that cannot (stored with another
   * HEATFLOW_FERNET_KEY, or the key removed), each with the reason: one unreadable variable does
   * not hide the others.
   */
  async listReadable(): Promise<{ readable: Variable[]; unreadable: Unreadable[] }> {
    const readable: Variable[] = [];
    const unreadable: Unreadable[] = [];
    for (const r of await listVariableRows(this.db)) {
      try {
        readable.push(this.decode(r));
      } catch (err) {
        if (!(err instanceof DecryptError)) throw err;
        unreadable.push({ id: r.key, error: err.message });
      }
    }
    return { readable, unreadable };
  }

  /**
   * Creates or replaces a variable (encrypted when a key is set); records `variable.set`.
   * @param description - undefined keeps the stored one
   * @throws VariableError naming the key when the key is invalid or the value holds a NUL character
   */
  async set(
    key: string,
    value: string,
    description: string | null | undefined,
    change: ChangeContext,
  ): Promise<void> {
    assertVariableKey(key);
    if (value.includes('\u0000'))
      throw new VariableError(`variable "${key}": the value holds a NUL character, which cannot be stored`);
    const encrypted = this.cipher.enabled;
    await upsertVariableRow(this.db, {
      key,
      val: encrypted ? this.cipher.encrypt(value) : value,
      description,
      isEncrypted: encrypted,
    });
    await recordEvent(
      this.db,
      change.actor,
      { event: 'variable.set', extra: { key, encrypted } },
      change.log,
    );
  }

  /**
   * Deletes a variable; records `variable.delete`.
   * @throws NotFoundError naming the key when there is none
   */
  async delete(key: string, change: ChangeContext): Promise<void> {
    if (!(await deleteVariableRow(this.db, key))) throw new NotFoundError(`variable "${key}" does not exist`);
    await recordEvent(this.db, change.actor, { event: 'variable.delete', extra: { key } }, change.log);
  }

  /**
   * Sets every key of a JSON object (Airflow's `variables import`): strings as they are, other
   * values as their JSON text. All keys are checked before anything is written.
   * @returns the keys set
   * @throws VariableError naming the first invalid key
   */
  async importObject(values: Readonly<Record<string, unknown>>, change: ChangeContext): Promise<string[]> {
    const entries = Object.entries(values).map(
      ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as const,
    );
    for (const [k, v] of entries) {
      assertVariableKey(k);
      if (v === undefined) throw new VariableError(`variable "${k}": the value is not JSON`);
    }
    for (const [k, v] of entries) await this.set(k, v, undefined, change);
    return entries.map(([k]) => k);
  }

  /**
   * Every variable as a JSON object (Airflow's `variables export`): a value that is JSON is
   * exported parsed, others as strings. Holds secrets: for a file, never for a log.
   */
  async exportObject(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const v of await this.list()) {
      try {
        out[v.key] = JSON.parse(v.value) as unknown;
      } catch {
        out[v.key] = v.value;
      }
    }
    return out;
  }

  /**
   * Re-encrypts every variable with the first key (Airflow's `rotate-fernet-key`); plain values are
   * encrypted too. @returns how many rows were rewritten
   */
  async rotate(): Promise<number> {
    let n = 0;
    for (const row of await listVariableRows(this.db)) {
      if (row.is_encrypted && this.cipher.isCurrent(row.val)) continue;
      const v = this.decode(row);
      await upsertVariableRow(this.db, {
        key: v.key,
        val: this.cipher.encrypt(v.value),
        description: undefined,
        isEncrypted: true,
      });
      n += 1;
    }
    return n;
  }
}
