/**
 * `heatflow version`, `heatflow info` and `heatflow config list`, as Airflow 2's verbs: the
 * version; versions, paths and executor; every setting with its value and where it came from.
 * Secrets are masked in all three (passwords in connection strings, tokens).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { loadTadoConfig } from '../tado/tado-config.js';
import { listSettings, sourceText, toConfigOption } from '../config/config-listing.js';
import { HEATFLOW_VERSION } from '../core/version.js';
import { encryptionStatus } from '../secrets/no-key-warning.js';
import { collectSystemInfo, type ServerVersion } from '../runtime/system-info.js';
import { addOutputOptions, outputFormatOf, printRows, type OutputOptions } from './output-format.js';
import { formatTable } from './text-table.js';

const shown = (v: ServerVersion) => ('version' in v ? v.version : `unreachable (${v.unreachable})`);

/** Registers `version`, `info` and `config list`. */
export function registerInfoCommands(program: Command): void {
  program
    .command('version')
    .description("print heatflow's version")
    .action(() => {
      process.stdout.write(`${HEATFLOW_VERSION}\n`);
    });

  addOutputOptions(
    program
      .command('info')
      .description(
        'versions (heatflow, Node.js, Postgres, Redis, Docker), paths and executor; secrets masked',
      ),
  ).action(async (o: OutputOptions) => {
    const format = outputFormatOf(o);
    const config = loadConfig();
    const info = await collectSystemInfo(config);
    const encryption = encryptionStatus(config.HEATFLOW_FERNET_KEY);
    if (format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ ...info, secrets_encryption: { encrypted: encryption.encrypted, status: encryption.text } }, null, 2)}\n`,
      );
      return;
    }
    const v = info.versions;
    const sections: [string, [string, string][]][] = [
      [
        'versions',
        [
          ['heatflow', v.heatflow],
          ['node', v.node],
          ['postgres', shown(v.postgres)],
          ['redis', shown(v.redis)],
          ['docker', shown(v.docker)],
        ],
      ],
      [
        'paths',
        [
          ['dags_folder', info.paths.dags],
          ['data_folder', info.paths.data],
          ['logs_folder', info.paths.logs],
        ],
      ],
      [
        'config',
        [
          ['executor', info.executor],
          ['sql_alchemy_conn', info.connections.database],
          ['redis_url', info.connections.redis],
          ['docker_endpoint', info.connections.docker],
          ['secrets_encryption', encryption.text],
        ],
      ],
    ];
    process.stdout.write(
      sections.map(([name, rows]) => `${name}\n${formatTable(['key', 'value'], rows)}`).join('\n'),
    );
  });

  const config = program.command('config').description('the configuration');
  addOutputOptions(
    config
      .command('list')
      .description(
        'every setting (orchestrator, tado, DAG files), its value in effect (secrets masked) and where it came from (env, default or derived)',
      ),
  ).action((o: OutputOptions) => {
    const format = outputFormatOf(o);
    const entries = listSettings(loadConfig(), process.env, loadTadoConfig());
    printRows(
      format,
      ['section', 'key', 'value', 'source'],
      entries.map((e) => [e.section, e.key, e.value, sourceText(e)]),
      entries.map((e) => ({ section: e.section, ...toConfigOption(e) })),
    );
  });
}
