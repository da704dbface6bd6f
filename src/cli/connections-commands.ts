/**
 * `heatflow connections add|get|list|delete`, as Airflow's `airflow connections`: `add NAME
 * --conn-uri URI` (Airflow's URI syntax, src/connections/conn-uri.ts) or the fields one by one.
 * Passwords are encrypted at rest when HEATFLOW_FERNET_KEY is set and never printed (`***`).
 */
import type { Command } from 'commander';
import { cliActor } from '../audit/event-log.js';
import { connUriMasked, parseConnUri, type ConnectionFields } from '../connections/conn-uri.js';
import type { Connection } from '../connections/connection-service.js';
import { NotFoundError } from '../core/errors.js';
import { MASK, SecretMasker } from '../secrets/secret-masker.js';
import { CliError, parseJsonObject } from './context.js';
import { formatTable } from './text-table.js';
import { withSecretStores } from './variables-commands.js';

interface AddOptions {
  connUri?: string;
  connType?: string;
  connHost?: string;
  connLogin?: string;
  connPassword?: string;
  connSchema?: string;
  connPort?: string;
  connExtra?: string;
  connDescription?: string;
}

/** The connection as printed: every field, the password masked. */
export function connectionDisplay(c: Connection): Record<string, unknown> {
  return {
    conn_id: c.connId,
    conn_type: c.connType,
    description: c.description,
    host: c.host,
    schema: c.schema,
    login: c.login,
    password: c.password === null ? null : MASK,
    port: c.port,
    // sensitive fields of extra masked, as the REST API shows them
    extra: c.extra === null ? null : new SecretMasker().maskJson(c.extra),
    is_encrypted: c.isEncrypted,
    is_extra_encrypted: c.isExtraEncrypted,
    uri: connUriMasked(c),
  };
}

function fieldsOf(connId: string, o: AddOptions): ConnectionFields {
  const fieldOptions = [
    o.connType,
    o.connHost,
    o.connLogin,
    o.connPassword,
    o.connSchema,
    o.connPort,
    o.connExtra,
  ];
  if (o.connUri !== undefined) {
    if (fieldOptions.some((v) => v !== undefined))
      throw new CliError(`connections add ${connId}: give --conn-uri or the --conn-* fields, not both`);
    try {
      return { ...parseConnUri(o.connUri), description: o.connDescription ?? null };
    } catch (err) {
      throw new CliError(`connections add ${connId}: --conn-uri: ${(err as Error).message}`);
    }
  }
  if (o.connType === undefined)
    throw new CliError(
      `connections add ${connId}: give --conn-uri URI, or --conn-type and the other --conn-* fields`,
    );
  let port: number | null = null;
  if (o.connPort !== undefined) {
    port = Number(o.connPort);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new CliError(`connections add ${connId}: --conn-port must be a port number, got "${o.connPort}"`);
  }
  return {
    connType: o.connType,
    host: o.connHost ?? null,
    login: o.connLogin ?? null,
    password: o.connPassword ?? null,
    schema: o.connSchema ?? null,
    port,
    extra: o.connExtra === undefined ? null : parseJsonObject('--conn-extra', o.connExtra),
    description: o.connDescription ?? null,
  };
}

export function registerConnectionsCommands(program: Command): void {
  const connections = program
    .command('connections')
    .description('connections to external systems, as Airflow');

  connections
    .command('add <conn_id>')
    .description(
      'add a connection: --conn-uri type://login:password@host:port/schema?extra=… or --conn-* fields',
    )
    .option('--conn-uri <uri>', "Airflow's connection URI (percent-encode / ? # @ in parts)")
    .option('--conn-type <type>', 'conn_type, e.g. postgres, http, tado')
    .option('--conn-host <host>')
    .option('--conn-login <login>')
    .option('--conn-password <password>')
    .option('--conn-schema <schema>')
    .option('--conn-port <port>')
    .option('--conn-extra <json>', 'extra, a JSON object')
    .option('--conn-description <text>')
    .action(async (connId: string, o: AddOptions) => {
      const fields = fieldsOf(connId, o);
      await withSecretStores(
        'connections',
        async (s, rt) => {
          await s.connections.add(connId, fields, { actor: cliActor(), log: rt.logger });
          process.stderr.write(
            `connection "${connId}" added${s.cipher.enabled ? ' (secrets encrypted)' : ''}\n`,
          );
        },
        { writes: true },
      );
    });

  connections
    .command('get <conn_id>')
    .description('print a connection (password masked)')
    .option('--json', 'as JSON')
    .action(async (connId: string, o: { json?: boolean }) => {
      await withSecretStores('connections', async (s) => {
        const c = await s.connections.get(connId);
        if (c === undefined) throw new CliError(`connection "${connId}" does not exist`);
        const d = connectionDisplay(c);
        if (o.json === true) return void process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
        process.stdout.write(
          formatTable(
            ['field', 'value'],
            Object.entries(d).map(([k, v]) => [
              k,
              v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v),
            ]),
          ),
        );
      });
    });

  connections
    .command('list')
    .description('connections: id, type, host, login, port (never passwords)')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }) => {
      await withSecretStores('connections', async (s) => {
        const { readable: all, unreadable } = await s.connections.listReadable();
        // one that cannot be decrypted is named on stderr; the others are still listed
        for (const u of unreadable) process.stderr.write(`WARNING: ${u.error}\n`);
        if (o.json === true) {
          const rows = [
            ...all.map(connectionDisplay),
            ...unreadable.map((u) => ({ conn_id: u.id, decrypt_error: u.error })),
          ];
          return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        }
        process.stdout.write(
          formatTable(
            ['conn_id', 'conn_type', 'host', 'login', 'port', 'encrypted'],
            [
              ...all.map((c) => [
                c.connId,
                c.connType,
                c.host ?? '',
                c.login ?? '',
                c.port === null ? '' : String(c.port),
                c.isEncrypted || c.isExtraEncrypted ? 'yes' : 'no',
              ]),
              ...unreadable.map((u) => [u.id, '', '', '', '', 'CANNOT DECRYPT (wrong HEATFLOW_FERNET_KEY?)']),
            ],
          ),
        );
      });
    });

  connections
    .command('delete <conn_id>')
    .description('delete a connection')
    .action(async (connId: string) => {
      await withSecretStores('connections', async (s, rt) => {
        try {
          await s.connections.delete(connId, { actor: cliActor(), log: rt.logger });
        } catch (err) {
          if (err instanceof NotFoundError) throw new CliError(err.message);
          throw err;
        }
        process.stderr.write(`connection "${connId}" deleted\n`);
      });
    });
}
