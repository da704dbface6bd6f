/**
 * The task instance page's readable log and the log-lines endpoint its live follow polls, against
 * real Postgres and Redis over real HTTP: a running try whose log file is appended between reads,
 * a half-written line held back until it is whole, the end of the log once the try finished.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const dag = defineDag({
  dagId: 'logdag',
  schedule: '@daily',
  startDate: '2022-01-01',
  timezone: 'Europe/Madrid',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'work', command: ['node', '-e', '0'] }],
});
const RUN = makeRunId('manual', new Date(Date.UTC(2022, 0, 1)));
const line = (time: number, level: number, msg: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level, time, pid: 1, hostname: 'w1', task_id: 'work', ...extra, msg })}\n`;

interface LogLines {
  html: string;
  raw: string;
  continuation_token: string;
  end_of_log: boolean;
}

describe('readable try logs (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let logPath = '';
  const t = { dagId: 'logdag', runId: RUN, taskId: 'work', tryNumber: 1, leaseToken: 'lease-log' };
  const base = `/dags/logdag/runs/${encodeURIComponent(RUN)}/tasks/work`;
  const lines = async (token?: string): Promise<LogLines> => {
    const r = await fetch(
      `${web.url}${base}/log-lines?try=1${token === undefined ? '' : `&token=${encodeURIComponent(token)}`}`,
    );
    expect(r.status).toBe(200);
    return (await r.json()) as LogLines;
  };

  beforeAll(async () => {
    h = await createTestOrchestrator('weblog', { dags: [dag] });
    const db = h.rt.db;
    await syncDagBag(db, h.rt.registry.current(), new Date());
    await insertQueuedRuns(
      db,
      [
        {
          dagId: 'logdag',
          runId: RUN,
          runType: 'manual',
          logicalDate: new Date(Date.UTC(2022, 0, 1)),
          dataIntervalStart: new Date(Date.UTC(2022, 0, 1)),
          dataIntervalEnd: new Date(Date.UTC(2022, 0, 2)),
        },
      ],
      new Date(),
    );
    await setRunState(db, 'logdag', RUN, 'running', new Date());
    await insertTaskInstances(db, [
      { dagId: 'logdag', runId: RUN, taskId: 'work', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
    ]);
    logPath = tryLogPath(h.config.HEATFLOW_LOG_DIR, t);
    await mkdir(path.dirname(logPath), { recursive: true });
    // 2022-01-01T08:00:00.250Z: 09:00 in Madrid; the second line is still being written
    await writeFile(
      logPath,
      `${line(Date.UTC(2022, 0, 1, 8, 0, 0, 250), 30, 'starts <now>', { zone: 3 })}{"level":50,`,
    );
    await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
    await claimTry(db, t, { workerId: 'w', hostname: 'h', logPath }, new Date());
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('shows a running try as readable lines in the DAG time zone, fields folded, raw JSON a click away', async () => {
    const page = await (await fetch(`${web.url}${base}`)).text();
    const readable = page.slice(page.indexOf('id="log-content"'), page.indexOf('id="log-raw-box"'));
    expect(readable).toContain('<span class="log-time">2022-01-01 09:00:00.250</span>');
    expect(readable).toContain(
      '<span class="log-level">INFO</span> <span class="log-msg">starts &lt;now&gt;</span>',
    );
    expect(readable).toContain('<summary>4 fields</summary>');
    expect(readable).not.toContain('{&quot;level&quot;'); // the half-written line is not shown yet
    expect(page).toMatch(/<details class="log-raw" id="log-raw-box">\s*<summary>raw JSON lines<\/summary>/);
    expect(page).toContain('&quot;msg&quot;:&quot;starts &lt;now&gt;&quot;');
    expect(page).toContain('Times in Europe/Madrid');
    expect(page).toContain(`${base.replace(/[:+]/g, encodeURIComponent)}/log-lines?try=1`); // the live follow's URL
  });

  it('the log-lines endpoint sends whole lines only, then what was appended, then the end of the log', async () => {
    const first = await lines();
    expect(first.raw).toBe(line(Date.UTC(2022, 0, 1, 8, 0, 0, 250), 30, 'starts <now>', { zone: 3 }));
    expect(first.end_of_log).toBe(false);
    expect((await lines(first.continuation_token)).raw).toBe('');

    await appendFile(logPath, `"time":${Date.UTC(2022, 6, 1, 10)},"msg":"boom"}\nplain tail\n`);
    const second = await lines(first.continuation_token);
    expect(second.raw).toBe(`{"level":50,"time":${Date.UTC(2022, 6, 1, 10)},"msg":"boom"}\nplain tail\n`);
    expect(second.html).toContain(
      '<span class="log-time">2022-07-01 12:00:00.000</span> <span class="log-level">ERROR</span>',
    );
    expect(second.html).toContain(
      '<div class="log-line log-text"><span class="log-msg">plain tail</span></div>',
    );
    expect(second.end_of_log).toBe(false);

    await finishTry(
      h.rt.db,
      t,
      { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 5 },
      new Date(),
    );
    const last = await lines(second.continuation_token);
    expect(last).toMatchObject({ raw: '', html: '', end_of_log: true });

    const missing = await fetch(`${web.url}${base}/log-lines?try=2`, { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('try 2 of task instance');
  });
});
