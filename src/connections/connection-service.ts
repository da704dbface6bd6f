/**
 * Connections, as Airflow's `Connection`: conn_id, conn_type, host, schema, login, password,
 * port, extra (a JSON object), stored in `heatflow.connections` with the password and the extra
 * encrypted when HEATFLOW_FERNET_KEY is set. Every change is recorded in the event log with the
 * id and type (never a password or the extra).
 */
import type { Kysely } from 'kysely';
import { recordEvent } from '../audit/event-log.js';
import { ConfigError, HeatflowError, NotFoundError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import {
  deleteConnectionRow,
  getConnectionRow,
  insertConnectionRow,
  listConnectionRows,
  replaceConnectionRow,
  type ConnectionRow,
} from '../db/connection-repository.js';
import { DecryptError, type SecretCipher } from '../secrets/secret-cipher.js';
import type { ChangeContext, Unreadable } from '../variables/variable-service.js';
import { checkTadoConnection } from '../tado/tado-connection-check.js';
import { connToUri, type ConnectionFields } from './conn-uri.js';

/** A connection, decrypted. */
export interface Connection extends ConnectionFields {
  readonly connId: string;
  readonly host: string | null;
  readonly schema: string | null;
  readonly login: string | null;
  readonly password: string | null;
  readonly port: number | null;
  readonly description: string | null;
  readonly extra: Readonly<Record<string, unknown>> | null;
  readonly isEncrypted: boolean;
  readonly isExtraEncrypted: boolean;
}

/** Connection ids: 1..250 letters, digits, `_ . -` (Airflow's `KEY_REGEX`-like). */
export const CONN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,250}$/;

/** An invalid connection field or an id taken (names the connection and the field). */
export class ConnectionError extends HeatflowError {
  constructor(code: 'CONNECTION' | 'CONNECTION_EXISTS', message: string) {
    super(code, message);
    this.name = 'ConnectionError';
  }
}

/** @throws ConnectionError naming the id when it does not match {@link CONN_ID_PATTERN} */
export function assertConnId(connId: string): void {
  if (!CONN_ID_PATTERN.test(connId))
    throw new ConnectionError(
      'CONNECTION',
      `connection id ${JSON.stringify(connId.slice(0, 260))} is invalid: 1 to 250 letters, digits, "_", "." or "-"`,
    );
}

function checkFields(connId: string, f: ConnectionFields): void {
  assertConnId(connId);
  if (!/^[A-Za-z0-9_.+-]{1,100}$/.test(f.connType))
    throw new ConnectionError(
      'CONNECTION',
      `connection "${connId}": conn_type must be 1 to 100 letters, digits, "_", ".", "+" or "-"`,
    );
  if (f.port !== null && f.port !== undefined && (!Number.isInteger(f.port) || f.port < 0 || f.port > 65_535))
    throw new ConnectionError(
      'CONNECTION',
      `connection "${connId}": port must be an integer from 0 to 65535`,
    );
  for (const [name, v] of Object.entries({
    host: f.host,
    schema: f.schema,
    login: f.login,
    password: f.password,
    description: f.description,
  }))
    if (typeof v === 'string' && v.includes('\u0000'))
      throw new ConnectionError(
        'CONNECTION',
        `connection "${connId}": ${name} holds a NUL character, which cannot be stored`,
      );
  if (f.extra !== null && f.extra !== undefined && (typeof f.extra !== 'object' || Array.isArray(f.extra)))
    throw new ConnectionError('CONNECTION', `connection "${connId}": extra must be a JSON object`);
  // a tado connection is what tado_etl's extract reads: refused now, not first at run time
  if (f.connType === 'tado') {
    try {
      checkTadoConnection(connToUri(f));
    } catch (err) {
      if (err instanceof ConfigError)
        throw new ConnectionError('CONNECTION', `connection "${connId}" (conn_type tado): ${err.message}`);
      throw err;
    }
  }
}

/** The connection store. */
export class ConnectionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cipher: SecretCipher,
  ) {}

  private decode(row: ConnectionRow): Connection {
    const what = `connection "${row.conn_id}"`;
    const password =
      row.password === null
        ? null
        : row.is_encrypted
          ? this.cipher.decrypt(row.password, `${what} (password)`)
          : row.password;
    const extraText =
      row.extra === null
        ? null
        : row.is_extra_encrypted
          ? this.cipher.decrypt(row.extra, `${what} (extra)`)
          : row.extra;
    let extra: Record<string, unknown> | null = null;
    if (extraText !== null && extraText !== '') {
      try {
        extra = JSON.parse(extraText) as Record<string, unknown>;
      } catch {
        throw new ConnectionError('CONNECTION', `${what}: its stored extra is not JSON`);
      }
    }
    return {
      connId: row.conn_id,
      connType: row.conn_type,
      description: row.description,
      host: row.host,
      schema: row.schema,
      login: row.login,
      password,
      port: row.port,
      extra,
      isEncrypted: row.is_encrypted,
      isExtraEncrypted: row.is_extra_encrypted,
    };
  }

  private encode(connId: string, f: ConnectionFields) {
    const enc = this.cipher.enabled;
    const extraText = f.extra === null || f.extra === undefined ? null : JSON.stringify(f.extra);
    return {
      conn_id: connId,
      conn_type: f.connType,
      description: f.description ?? null,
      host: f.host ?? null,
      schema: f.schema ?? null,
      login: f.login ?? null,
      password:
        f.password === null || f.password === undefined
          ? null
          : enc
            ? this.cipher.encrypt(f.password)
            : f.password,
      port: f.port ?? null,
      extra: extraText === null ? null : enc ? this.cipher.encrypt(extraText) : extraText,
      is_encrypted: enc && f.password !== null && f.password !== undefined,
      is_extra_encrypted: enc && extraText !== null,
    };
  }

  /**
   * The connection, or undefined.
   * @throws DecryptError naming the connection and the field when it cannot be decrypted
   */
  async get(connId: string): Promise<Connection | undefined> {
    const row = await getConnectionRow(this.db, connId);
    return row === undefined ? undefined : this.decode(row);
  }

  /** @throws NotFoundError naming the id; DecryptError naming the connection */
  async require(connId: string): Promise<Connection> {
    const c = await this.get(connId);
    if (c === undefined) throw new NotFoundError(`connection "${connId}" does not exist`);
    return c;
  }

  /** Every connection, by id. @throws DecryptError naming the first that cannot be decrypted */
  async list(): Promise<Connection[]> {
    return (await listConnectionRows(this.db)).map((r) => this.decode(r));
  }

  /** Every connection that can be read, and the ids of those that cannot, each with the reason. */
  async listReadable(): Promise<{ readable: Connection[]; unreadable: Unreadable[] }> {
    const readable: Connection[] = [];
    const unreadable: Unreadable[] = [];
    for (const r of await listConnectionRows(this.db)) {
      try {
        readable.push(this.decode(r));
      } catch (err) {
        if (!(err instanceof DecryptError)) throw err;
        unreadable.push({ id: r.conn_id, error: err.message });
      }
    }
    return { readable, unreadable };
  }

  /**
   * Adds a connection (Airflow's `connections add`); records `connection.add`.
   * @throws ConnectionError `CONNECTION_EXISTS` when the id is taken, `CONNECTION` naming an invalid field
   */
  async add(connId: string, f: ConnectionFields, change: ChangeContext): Promise<void> {
    checkFields(connId, f);
    if (!(await insertConnectionRow(this.db, this.encode(connId, f))))
      throw new ConnectionError('CONNECTION_EXISTS', `connection "${connId}" already exists`);
    await recordEvent(
      this.db,
      change.actor,
      { event: 'connection.add', extra: { conn_id: connId, conn_type: f.connType } },
      change.log,
    );
  }

  /**
   * Replaces every field of a connection; records `connection.update`.
   * @throws NotFoundError naming the id; ConnectionError naming an invalid field
   */
  async replace(connId: string, f: ConnectionFields, change: ChangeContext): Promise<void> {
    checkFields(connId, f);
    if (!(await replaceConnectionRow(this.db, this.encode(connId, f))))
      throw new NotFoundError(`connection "${connId}" does not exist`);
    await recordEvent(
      this.db,
      change.actor,
      { event: 'connection.update', extra: { conn_id: connId, conn_type: f.connType } },
      change.log,
    );
  }

  /** Deletes a connection; records `connection.delete`. @throws NotFoundError naming the id */
  async delete(connId: string, change: ChangeContext): Promise<void> {
    if (!(await deleteConnectionRow(this.db, connId)))
      throw new NotFoundError(`connection "${connId}" does not exist`);
    await recordEvent(
      this.db,
      change.actor,
      { event: 'connection.delete', extra: { conn_id: connId } },
      change.log,
    );
  }

  /** Re-encrypts every connection's secrets with the first key. @returns rows rewritten */
  async rotate(): Promise<number> {
    let n = 0;
    for (const row of await listConnectionRows(this.db)) {
      const current =
        (row.password === null || (row.is_encrypted && this.cipher.isCurrent(row.password))) &&
        (row.extra === null || (row.is_extra_encrypted && this.cipher.isCurrent(row.extra)));
      if (current) continue;
      const c = this.decode(row);
      await replaceConnectionRow(this.db, this.encode(c.connId, c));
      n += 1;
    }
    return n;
  }
}
