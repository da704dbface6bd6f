#!/usr/bin/env node
/**
 * The `heatflow` command. Thin: parses arguments (commander), calls the services, prints.
 * Exit codes: 0 success; 1 failure, with a one-line reason on stderr; 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { registerAssetsCommands } from './assets-commands.js';
import { registerDagsCommands } from './dags-commands.js';
import { registerDbCommands } from './db-commands.js';
import { registerDagsInspectCommands } from './dags-inspect-commands.js';
import { registerDagsDeleteCommand } from './dags-delete-command.js';
import { registerTasksRenderCommand } from './tasks-render-command.js';
import { registerDagsTestCommand } from './dags-test-command.js';
import { registerTasksRunCommand } from './tasks-run-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerExportCommand } from './export-command.js';
import { registerHeatingCommands } from './heating-commands.js';
import { registerInfoCommands } from './info-commands.js';
import { registerJobsCommands } from './jobs-commands.js';
import { registerPoolsCommands } from './pools-commands.js';
import { registerServiceCommands } from './service-commands.js';
import { registerTasksCommands } from './tasks-commands.js';
import { registerTasksInspectCommands } from './tasks-inspect-commands.js';
import { registerVariablesCommands } from './variables-commands.js';
import { registerConnectionsCommands } from './connections-commands.js';
import { registerUsersCommands } from './users-commands.js';
import { registerRotateFernetKeyCommand } from './rotate-fernet-key-command.js';
import { registerTadoCommands } from '../tado/cli-commands.js';
import { registerWebCommands } from '../web/cli-commands.js';
import { CliError, withRuntime } from './context.js';
import { cliErrorLine } from './error-hint.js';
import { HEATFLOW_VERSION } from '../core/version.js';

// `heatflow … | head`: the reader went away; stop quietly as other Unix tools do, with no stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command()
  .name('heatflow')
  .description('An Airflow-style DAG orchestrator, shipped with a daily ETL of tado° thermostat data')
  .version(HEATFLOW_VERSION)
  .exitOverride()
  .showHelpAfterError();

const db = program.command('db').description('the metadata database');
db.command('migrate')
  .description('create the database if missing and apply pending migrations (idempotent)')
  .action(async () => {
    await withRuntime(
      'db',
      () => {
        process.stdout.write('database is up to date\n');
        return Promise.resolve();
      },
      { migrate: true },
    );
  });

registerDbCommands(db);
registerDagsCommands(program);
registerTasksCommands(program);
registerAssetsCommands(program);
registerServiceCommands(program);
registerDemoCommand(program);
registerHeatingCommands(program);
registerExportCommand(program);
registerTadoCommands(program);
registerWebCommands(program);
registerInfoCommands(program);
registerJobsCommands(program);
/** the `dags` / `tasks` command that registerDagsCommands / registerTasksCommands added */
const commandNamed = (name: string): Command => {
  const found = program.commands.find((c) => c.name() === name);
  if (found === undefined) throw new Error(`no "${name}" command`);
  return found;
};
registerDagsInspectCommands(commandNamed('dags'));
registerTasksInspectCommands(commandNamed('tasks'));
registerDagsDeleteCommand(commandNamed('dags'));
registerTasksRenderCommand(commandNamed('tasks'));
registerDagsTestCommand(commandNamed('dags'));
registerTasksRunCommand(commandNamed('tasks'));
registerPoolsCommands(program);
registerVariablesCommands(program);
registerConnectionsCommands(program);
registerUsersCommands(program);
registerRotateFernetKeyCommand(program);

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`heatflow: ${cliErrorLine(err)}\n`);
    if (process.env.HEATFLOW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    // A failed command may leave connections open (e.g. a worker that failed half-way through
    // starting): exit now rather than hang. Writes to stderr are synchronous for files and pipes.
    process.exit(err instanceof CliError ? err.exitCode : 1);
  }
}

await main();
