/**
 * Long-running commands: `scheduler`, `worker`, `standalone` (scheduler + worker + web server in
 * one process). First SIGTERM/SIGINT drains, a second stops at once.
 */
import type { Command } from 'commander';
import {
  openRuntime,
  startScheduler,
  startWorker,
  type RunningScheduler,
  type Runtime,
} from '../runtime/runtime.js';
import type { TaskWorker } from '../worker/task-worker.js';
import { cliSetup, listenError, parsePort, parsePositiveInt } from './context.js';

interface Stoppable {
  stop(force: boolean): Promise<void>;
}

async function runUntilSignal(rt: Runtime, parts: Stoppable[]): Promise<void> {
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      const force = signals > 1;
      rt.logger.info(
        { signal: sig },
        force ? 'second signal: stopping at once' : 'draining (send again to stop at once)',
      );
      void Promise.all(parts.map((p) => p.stop(force)))
        .catch((err: unknown) => rt.logger.error({ err }, 'error while stopping'))
        .then(() => resolve());
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await rt.close();
}

const asStoppable = {
  scheduler: (s: RunningScheduler): Stoppable => ({ stop: () => s.stop() }),
  worker: (w: TaskWorker): Stoppable => ({ stop: (force) => w.stop(force) }),
};

export function registerServiceCommands(program: Command): void {
  program
    .command('scheduler')
    .description('run the scheduler (several may run at once)')
    .action(async () => {
      const { config, logger } = cliSetup('scheduler');
      const rt = await openRuntime(config, logger);
      const s = await startScheduler(rt);
      await runUntilSignal(rt, [asStoppable.scheduler(s)]);
    });

  program
    .command('worker')
    .description('run a worker taking task tries from the queue')
    .option('--concurrency <n>', 'tries run at once (default HEATFLOW_WORKER_CONCURRENCY)')
    .action(async (o: { concurrency?: string }) => {
      // Options are checked before anything is opened, so a bad value exits at once.
      const options =
        o.concurrency === undefined ? {} : { concurrency: parsePositiveInt('--concurrency', o.concurrency) };
      const { config, logger } = cliSetup('worker');
      const rt = await openRuntime(config, logger);
      const w = await startWorker(rt, options).catch(async (err: unknown) => {
        await rt.close();
        throw err;
      });
      await runUntilSignal(rt, [asStoppable.worker(w)]);
    });

  program
    .command('standalone')
    .description('scheduler + worker + web server in one process (migrates first)')
    .option('--concurrency <n>', 'tries run at once')
    .option('--port <port>', 'web server port (default HEATFLOW_WEB_PORT)')
    .action(async (o: { concurrency?: string; port?: string }) => {
      const options =
        o.concurrency === undefined ? {} : { concurrency: parsePositiveInt('--concurrency', o.concurrency) };
      const port = o.port === undefined ? undefined : parsePort('--port', o.port);
      const { config, logger } = cliSetup('standalone');
      const rt = await openRuntime(config, logger, { migrate: true });
      const parts: Stoppable[] = [];
      const w = await startWorker(rt, options);
      parts.push(asStoppable.worker(w));
      parts.push(asStoppable.scheduler(await startScheduler(rt)));
      const webPort = port ?? config.HEATFLOW_WEB_PORT;
      const web = await startWebIfPresent(rt, webPort).catch(async (err: unknown) => {
        for (const p of parts) await p.stop(true).catch(() => undefined);
        await rt.close();
        throw listenError(err, webPort, port === undefined ? 'HEATFLOW_WEB_PORT' : '--port');
      });
      if (web !== undefined) parts.push({ stop: () => web.close() });
      await runUntilSignal(rt, parts);
    });
}

/** Starts the web server when its module is built (it lands separately). */
export async function startWebIfPresent(
  rt: Runtime,
  port: number,
): Promise<{ url: string; close(): Promise<void> } | undefined> {
  try {
    const web = (await import('../web/server.js')) as {
      startWebServer(
        rt: Runtime,
        o: { host: string; port: number },
      ): Promise<{ url: string; close(): Promise<void> }>;
    };
    const server = await web.startWebServer(rt, { host: rt.config.HEATFLOW_WEB_HOST, port });
    rt.logger.info({ url: server.url }, 'web server listening');
    return server;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}
