/**
 * Run confs checked against the DAGs' params schemas before any run is created, through the
 * command (`dags trigger --conf`, `dags backfill --conf`) and the REST API
 * (`POST /api/v1/dags/{id}/dagRuns`, `POST /api/v1/backfills`), on the shipped DAG folder
 * (tado_etl, heating_analytics) with real Postgres and Redis; and the backfill of an
 * asset-scheduled DAG refused with what to do instead.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

const TOKEN = 'cli-conf-token-5678';
let h: TestOrchestrator;
let web: WebServer;
const run = (args: string[]) => runCli(args, h.env);
const runs = async () =>
  (await h.rt.db.selectFrom('heatflow.dag_runs').select(['dag_id', 'run_id', 'conf']).execute()).map((r) => ({
    dag: r.dag_id,
    conf: r.conf,
  }));
const backfills = async () => h.rt.db.selectFrom('heatflow.backfills').select('id').execute();

beforeAll(async () => {
  h = await createTestOrchestrator('cliconf', {
    dagsDir: path.resolve('dags'),
    env: { HEATFLOW_WEB_TOKEN: TOKEN, TADO_ETL_TASK_SNAPSHOTS: 'false' },
  });
  await syncDagBag(h.rt.db, await h.rt.registry.refresh(), new Date());
  web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => {
  await web.close();
  await h.cleanup();
});

describe('run conf checked at trigger', () => {
  it('dags trigger rejects a date not on the calendar, naming --conf, the key and the date; creates nothing', async () => {
    const r = await run([
      'dags',
      'trigger',
      'heating_analytics',
      '--conf',
      '{"dates":["2022-02-28","2022-02-30"]}',
    ]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(
      'heatflow: --conf: DAG "heating_analytics": conf key "dates[1]": date set item "2022-02-30": "2022-02-30" is not a calendar date (expected YYYY-MM-DD)',
    );
    expect(await runs()).toEqual([]);
  });

  it('dags trigger rejects a misspelt key (date for dates), naming both', async () => {
    const r = await run(['dags', 'trigger', 'heating_analytics', '--conf', '{"date":["2022-01-01"]}']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      '--conf: DAG "heating_analytics": conf key "date": not a param of DAG "heating_analytics" (it takes: dates)',
    );
    expect(await runs()).toEqual([]);
  });

  it('a NUL character gets an error naming --conf and the key, not Postgres’s message', async () => {
    const r = await run(['dags', 'trigger', 'heating_analytics', '--conf', '{"dates":"2022-01-01\\u0000"}']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'heatflow: --conf: DAG "heating_analytics": conf key "dates": holds a NUL character',
    );
    expect(r.err).not.toMatch(/unsupported Unicode|22P05/);
    expect(await runs()).toEqual([]);
  });

  it('dags backfill --conf checks the conf before creating anything, dry run or not', async () => {
    for (const extra of [[], ['--dry-run']]) {
      const r = await run([
        'dags',
        'backfill',
        'tado_etl',
        '-s',
        '2022-01-01',
        '-e',
        '2022-01-02',
        '--conf',
        '{"ds":"2022-01-01"}',
        '--no-wait',
        ...extra,
      ]);
      expect(r.code, extra.join(' ')).toBe(1);
      expect(r.err).toContain(
        '--conf: DAG "tado_etl": conf key "ds": not a param of DAG "tado_etl" (it takes none)',
      );
    }
    expect(await runs()).toEqual([]);
    expect(await backfills()).toEqual([]);
  });

  it('a valid conf creates the run with the conf as given', async () => {
    const r = await run([
      'dags',
      'trigger',
      'heating_analytics',
      '--conf',
      '{"dates":["2022-01-01","2022-01-05..2022-01-06"]}',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(await runs()).toEqual([
      { dag: 'heating_analytics', conf: { dates: ['2022-01-01', '2022-01-05..2022-01-06'] } },
    ]);
  });

  it('the REST API answers 400 problem JSON naming the conf key; nothing is created', async () => {
    const before = (await runs()).length;
    const post = (p: string, body: unknown) =>
      fetch(`${web.url}/api/v1${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post('/dags/heating_analytics/dagRuns', { conf: { dates: ['2022-02-30'] } });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 400, title: 'Invalid conf', parameter: 'conf' });
    expect(problem.detail).toContain(
      'conf key "dates[0]": date set item "2022-02-30": "2022-02-30" is not a calendar date',
    );
    const nul = await post('/dags/heating_analytics/dagRuns', { conf: { dates: 'x\u0000' } });
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as { detail: string }).detail).toContain('NUL character');
    const bf = await post('/backfills', {
      dag_id: 'tado_etl',
      from_date: '2022-01-01',
      to_date: '2022-01-02',
      dag_run_conf: { date: '2022-01-01' },
    });
    expect(bf.status).toBe(400);
    expect(await bf.json()).toMatchObject({ parameter: 'dag_run_conf' });
    expect((await runs()).length).toBe(before);
    expect(await backfills()).toEqual([]);
  });
});

describe('backfill of an asset-scheduled DAG', () => {
  it('is refused, saying it is asset-scheduled and pointing to dags trigger --conf dates', async () => {
    const r = await run(['dags', 'backfill', 'heating_analytics', '-s', '2022-01-01', '-e', '2022-01-31']);
    expect(r.code).toBe(1);
    expect(r.err).not.toContain('schedule none');
    expect(r.err).toContain('DAG "heating_analytics" is scheduled on asset tado://warehouse, not on a clock');
    expect(r.err).toContain(`\`heatflow dags trigger heating_analytics --conf '{"dates":…}'\``);
    expect(await backfills()).toEqual([]);
  });
});

describe('dags trigger --logical-date with a date and no time', () => {
  const runOf = (dagId: string, runId: string) =>
    h.rt.db
      .selectFrom('heatflow.dag_runs')
      .selectAll()
      .where('dag_id', '=', dagId)
      .where('run_id', '=', runId)
      .executeTakeFirst();

  it("is the day's scheduled logical date with the scheduled run's data interval, and says so", async () => {
    const r = await run(['dags', 'trigger', 'tado_etl', '--logical-date', '2022-01-01']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('created manual__2022-01-01T01:00:00+00:00');
    expect(r.err).toContain(
      "--logical-date 2022-01-01: the day's scheduled logical date 2022-01-01T01:00:00.000Z (2022-01-01 01:00 Europe/London), data interval 2022-01-01 01:00 → 2022-01-02 01:00",
    );
    const row = await runOf('tado_etl', 'manual__2022-01-01T01:00:00+00:00');
    expect(row?.data_interval_start?.toISOString()).toBe('2022-01-01T01:00:00.000Z');
    expect(row?.data_interval_end?.toISOString()).toBe('2022-01-02T01:00:00.000Z');
  });

  it('does not make a second run for a day that has one: names the existing run', async () => {
    const dag = await h.rt.registry.get('tado_etl');
    if (dag === undefined) throw new Error('tado_etl not in the DAG folder');
    await createBackfill(h.rt.deps, dag, {
      from: parseDagDate('2022-01-02', dag.timezone, false),
      to: parseDagDate('2022-01-02', dag.timezone, true),
    });
    const r = await run(['dags', 'trigger', 'tado_etl', '--logical-date', '2022-01-02']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'DAG "tado_etl" already has a run with logical date 2022-01-02T01:00:00.000Z: backfill__2022-01-02T01:00:00+00:00 (queued)',
    );
    const sameDay = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .select('run_id')
      .where('dag_id', '=', 'tado_etl')
      .where('logical_date', '>=', new Date('2022-01-02T00:00:00Z'))
      .where('logical_date', '<', new Date('2022-01-03T00:00:00Z'))
      .execute();
    expect(sameDay.map((x) => x.run_id)).toEqual(['backfill__2022-01-02T01:00:00+00:00']);
  });

  it('is local midnight for a DAG whose schedule has no logical date that day, and says so', async () => {
    const r = await run(['dags', 'trigger', 'heating_analytics', '--logical-date', '2022-06-01']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      "--logical-date 2022-06-01: heating_analytics's schedule has no logical date that day; using local midnight 2022-05-31T23:00:00.000Z (Europe/London)",
    );
    expect(r.out).toContain('created manual__2022-05-31T23:00:00+00:00');
  });
});
