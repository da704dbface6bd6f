/**
 * Which `Host` headers the web server answers (defence against DNS rebinding).
 *
 * A DNS-rebinding page is served from the attacker's domain, then makes that name resolve to
 * 127.0.0.1: the browser then sends its requests to this server with `Host: <attacker's name>`
 * and lets the page read the answers (same origin, by name). The server therefore answers only
 * host names it knows: `localhost`, the bind address when it is a name, and the names listed in
 * `HEATFLOW_WEB_ALLOWED_HOSTS`. An IP address in `Host` is always accepted: it cannot be
 * rebound, since the browser sends the address it connected to, not a name that resolved to it
 * (the rule of Vite's `server.allowedHosts` and of webpack-dev-server's host check).
 *
 * Pure: no I/O.
 */
import { isIP } from 'node:net';

/** The host names a server answers besides IP addresses; `any` turns the check off. */
export type AllowedHosts =
  | { readonly any: true }
  | {
      readonly any: false;
      /** lower-case host names without a trailing dot */
      readonly names: ReadonlySet<string>;
    };

/** What {@link checkHost} decided about one request. */
export type HostVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** why, safe to show (the header is quoted and cut to 100 characters) */
      readonly reason: string;
    };

/** A host name as DNS spells it (letters, digits, `-`, `_`, dots), or `*`. */
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;
/** A `Host` header: a name or IPv4 address, or a bracketed IPv6 address; an optional port. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(:\d{1,5})?$/;

const normalise = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');
const isIpAddress = (name: string): boolean => isIP(name.replace(/^\[|\]$/g, '')) !== 0;

/**
 * The allowed host names of a server.
 * @param bindHost - the address the server listens on; added when it is a host name
 * @param extra - entries of `HEATFLOW_WEB_ALLOWED_HOSTS` ({@link parseAllowedHostList}); `*` accepts any `Host`
 */
export function allowedHosts(bindHost: string, extra: readonly string[]): AllowedHosts {
  const names = new Set<string>(['localhost']);
  for (const raw of [bindHost, ...extra]) {
    const name = normalise(raw);
    if (name === '*') return { any: true };
    if (HOST_NAME.test(name) && !isIpAddress(name)) names.add(name);
  }
  return { any: false, names };
}

/**
 * Parses `HEATFLOW_WEB_ALLOWED_HOSTS`: comma-separated host names (no port), or `*`.
 * @returns the entries, lower-case, without blanks
 * @throws Error naming the first entry that is not a host name (or `*`)
 */
export function parseAllowedHostList(value: string): string[] {
  const entries = value
    .split(',')
    .map(normalise)
    .filter((e) => e !== '');
  for (const e of entries) {
    if (e !== '*' && !HOST_NAME.test(e) && !isIpAddress(e))
      throw new Error(`${JSON.stringify(e)} is not a host name (no scheme, port or path; "*" for any)`);
  }
  return entries;
}

/**
 * Does the server answer a request with this `Host` header?
 * @param hostHeader - the request's `Host` (HTTP/1.1) or `:authority` (HTTP/2); undefined when absent
 */
export function checkHost(hostHeader: string | undefined, allowed: AllowedHosts): HostVerdict {
  if (allowed.any) return { ok: true };
  if (hostHeader === undefined || hostHeader === '')
    return { ok: false, reason: 'the request has no Host header' };
  const shown = JSON.stringify(hostHeader.length > 100 ? `${hostHeader.slice(0, 100)}…` : hostHeader);
  const m = HOST_HEADER.exec(hostHeader.toLowerCase());
  const name = m?.[1];
  if (name === undefined) return { ok: false, reason: `Host ${shown} is not a host name` };
  if (isIpAddress(name)) return { ok: true };
  if (allowed.names.has(normalise(name))) return { ok: true };
  return {
    ok: false,
    reason:
      `Host ${shown} is not a name this server answers to (DNS rebinding protection); ` +
      `use an IP address or localhost, or add the name to HEATFLOW_WEB_ALLOWED_HOSTS`,
  };
}
