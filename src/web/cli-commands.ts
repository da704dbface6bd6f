/**
 * `heatflow webserver [--port <port>] [--host <address>] [--open-reads]`: the status pages and REST API alone
 * (`heatflow standalone` also starts them). First SIGTERM/SIGINT closes the server.
 */
import type { Command } from 'commander';
import { cliSetup, listenError, parsePort } from '../cli/context.js';
import { openRuntime } from '../runtime/runtime.js';
import { startWebServer } from './server.js';

/** Registers the `webserver` command. */
export function registerWebCommands(program: Command): void {
  program
    .command('webserver')
    .description('run the web server: status pages and the REST API (default http://127.0.0.1:8080)')
    .option('-p, --port <port>', 'port (default HEATFLOW_WEB_PORT, 8080)')
    .option('-H, --host <address>', 'bind address (default HEATFLOW_WEB_HOST, 127.0.0.1)')
    .option(
      '--open-reads',
      'serve pages and API reads without the token even when bound beyond loopback (e.g. in a container whose port is published on 127.0.0.1 only)',
    )
    .action(async (o: { port?: string; host?: string; openReads?: boolean }) => {
      const { config, logger } = cliSetup('webserver');
      const port = o.port === undefined ? config.HEATFLOW_WEB_PORT : parsePort('--port', o.port);
      const rt = await openRuntime(config, logger);
      await rt.registry.refresh();
      const server = await startWebServer(rt, {
        host: o.host ?? config.HEATFLOW_WEB_HOST,
        port,
        ...(o.openReads === true ? { openReads: true } : {}),
      }).catch(async (err: unknown) => {
        await rt.close();
        throw listenError(err, port, o.port === undefined ? 'HEATFLOW_WEB_PORT' : '--port');
      });
      logger.info(
        {
          url: server.url,
          actions: config.HEATFLOW_WEB_TOKEN === undefined ? 'disabled (no HEATFLOW_WEB_TOKEN)' : 'enabled',
        },
        'web server listening',
      );
      process.stdout.write(`heatflow web server on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await server.close();
      await rt.close();
    });
}
