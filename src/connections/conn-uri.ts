/**
 * Connection URIs as Airflow reads and writes them (airflow/models/connection.py
 * `_parse_from_uri` / `get_uri`): `conn_type://login:password@host:port/schema?extra_key=v`, every
 * part percent-decoded; the scheme's `-` is read as `_` and `postgresql` as `postgres`; the query is
 * the extra (each key a string), or `__extra__=<JSON>` for an extra that is not flat strings.
 */
import { HeatflowError } from '../core/errors.js';
import { isSensitiveName } from '../secrets/sensitive.js';

/** A connection's fields (Airflow's `Connection`), without its id. */
export interface ConnectionFields {
  readonly connType: string;
  readonly description?: string | null;
  readonly host?: string | null;
  readonly schema?: string | null;
  readonly login?: string | null;
  readonly password?: string | null;
  readonly port?: number | null;
  /** JSON object */
  readonly extra?: Readonly<Record<string, unknown>> | null;
}

/** A malformed `--conn-uri` or connection field (names the part at fault; never echoes a password). */
export class ConnectionUriError extends HeatflowError {
  constructor(message: string) {
    super('CONN_URI', message);
    this.name = 'ConnectionUriError';
  }
}

const dec = (s: string, part: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConnectionUriError(`connection URI: the ${part} is not valid percent-encoding`);
  }
};

/**
 * Parses a connection URI.
 * @throws ConnectionUriError naming the part at fault (scheme, port, `__extra__`)
 */
export function parseConnUri(uri: string): ConnectionFields {
  const m = /^([A-Za-z][A-Za-z0-9+._-]*):\/\/(.*)$/s.exec(uri.trim());
  if (m === null || m[1] === undefined || m[2] === undefined)
    throw new ConnectionUriError('connection URI must start with a scheme, e.g. postgres://… or tado://…');
  let connType = m[1].replace(/-/g, '_').toLowerCase();
  if (connType === 'postgresql') connType = 'postgres';
  let rest = m[2];
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let path = '';
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    path = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let login: string | null = null;
  let password: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    login = dec(colon >= 0 ? userinfo.slice(0, colon) : userinfo, 'login');
    if (colon >= 0) password = dec(userinfo.slice(colon + 1), 'password');
    if (login === '') login = null;
  }
  let port: number | null = null;
  // host[:port]; an IPv6 literal keeps its colons inside []
  const portAt = rest.startsWith('[') ? rest.indexOf(':', rest.indexOf(']')) : rest.lastIndexOf(':');
  if (portAt >= 0) {
    const p = rest.slice(portAt + 1);
    rest = rest.slice(0, portAt);
    if (p !== '') {
      port = /^\d{1,5}$/.test(p) ? Number(p) : Number.NaN;
      if (!Number.isInteger(port) || port > 65_535)
        throw new ConnectionUriError(
          'connection URI: the port is not a number from 0 to 65535 (a / ? # or @ in a password must be percent-encoded)',
        );
    }
  }
  const host = rest === '' ? null : dec(rest, 'host');
  const schema = path === '' ? null : dec(path, 'schema');
  let extra: Record<string, unknown> | null = null;
  if (query !== '') {
    const params = new URLSearchParams(query);
    const raw = params.get('__extra__');
    if (raw !== null) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('not a JSON object');
        extra = parsed as Record<string, unknown>;
      } catch (err) {
        throw new ConnectionUriError(
          `connection URI: __extra__ must be a JSON object (${(err as Error).message})`,
        );
      }
    } else {
      extra = {};
      for (const [k, v] of params) extra[k] = v;
    }
  }
  return { connType, host, schema, login, password, port, extra };
}

const enc = (s: string): string => encodeURIComponent(s);

/** What a masked secret is shown as (src/secrets/secret-masker.ts `MASK`). */
const MASK = '***';

/**
 * The URI of `c`; `jsonExtra` says whether its extra goes in `__extra__` (decided on the real
 * extra, so that masking a value does not change the URI's shape).
 */
function buildUri(c: ConnectionFields, jsonExtra: boolean): string {
  let uri = `${c.connType.replace(/_/g, '-')}://`;
  if ((c.login ?? '') !== '' || (c.password ?? '') !== '') {
    uri += enc(c.login ?? '');
    if ((c.password ?? '') !== '') uri += `:${enc(c.password ?? '')}`;
    uri += '@';
  }
  if ((c.host ?? '') !== '') uri += enc(c.host ?? '');
  if (c.port !== null && c.port !== undefined) uri += `:${c.port}`;
  if ((c.schema ?? '') !== '') uri += `/${enc(c.schema ?? '')}`;
  const extra = c.extra ?? {};
  if (Object.keys(extra).length > 0) {
    const qs = jsonExtra
      ? new URLSearchParams({ __extra__: JSON.stringify(extra) }).toString()
      : new URLSearchParams(extra as Record<string, string>).toString();
    uri += `${(c.schema ?? '') === '' ? '/' : ''}?${qs}`;
  }
  return uri;
}

const isFlat = (extra: Readonly<Record<string, unknown>> | null | undefined): boolean =>
  Object.values(extra ?? {}).every((v) => typeof v === 'string');

/**
 * The URI of a connection (Airflow's `get_uri`): the inverse of {@link parseConnUri}. It holds the
 * password and the extra's secrets: never print it; use {@link connUriMasked} for display.
 */
export function connToUri(c: ConnectionFields): string {
  return buildUri(c, !isFlat(c.extra));
}

/** A JSON value with the value of every sensitive field name (src/secrets/sensitive.ts) masked. */
function maskSensitiveFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSensitiveFields);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = isSensitiveName(k) && v !== null ? MASK : maskSensitiveFields(v);
    return out;
  }
  return value;
}

/**
 * {@link connToUri} for display: the password and the value of every sensitive extra field
 * (`api_key`, `token`, … at any depth of an `__extra__` JSON, the rule of
 * src/secrets/sensitive.ts, as the `extra` shown beside it) replaced by `***`.
 */
export function connUriMasked(c: ConnectionFields): string {
  const extra =
    c.extra === null || c.extra === undefined
      ? c.extra
      : (maskSensitiveFields(c.extra) as Record<string, unknown>);
  return buildUri({ ...c, password: (c.password ?? '') === '' ? null : MASK, extra }, !isFlat(c.extra));
}
