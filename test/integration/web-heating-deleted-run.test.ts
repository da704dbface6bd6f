/**
 * A zone-day page names the heating_analytics run that wrote it; after `DELETE /api/v1/dags/
 * heating_analytics` (as `heatflow dags delete heating_analytics`) the zone-day stays but the run
 * is gone: the page shows its id without a link and says it was deleted, and the JSON gives
 * `state` and `href` null (no link that 404s). Real Postgres, Redis and HTTP; the shipped DAGs.
 */
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import type { ZoneDayModel } from '../../src/web/heating/heating-models.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'heating-deleted-run-4321';
const logical = new Date(Date.UTC(2022, 2, 21, 1));
const RUN_ID = makeRunId('manual', logical);
const PAGE = '/heating/zones/1/days/2022-03-20?home=7';
const API = '/api/v1/heating/zones/1/days/2022-03-20?home=7';
let h: TestOrchestrator;
let web: WebServer;

const get = async (p: string, accept = 'text/html') => {
  const r = await fetch(`${web.url}${p}`, { headers: { accept } });
  return { status: r.status, body: await r.text() };
};

beforeAll(async () => {
  h = await createTestOrchestrator('webheatdelrun', {
    dagsDir: path.resolve('dags'),
    env: { HEATFLOW_WEB_TOKEN: TOKEN, TADO_ETL_TASK_SNAPSHOTS: 'false' },
  });
  await syncDagBag(h.rt.db, await h.rt.registry.refresh(), new Date());
  await insertQueuedRuns(
    h.rt.db,
    [
      {
        dagId: 'heating_analytics',
        runId: RUN_ID,
        runType: 'manual',
        logicalDate: logical,
        dataIntervalStart: logical,
        dataIntervalEnd: logical,
      },
    ],
    new Date(),
  );
  // a zone-day that run set aside (what merge stores for a rejected zone-day)
  await sql`INSERT INTO tado.zones (home_id, zone_id, name, zone_type, date_created, raw)
    VALUES (7, 1, 'Living room', 'HEATING', '2021-01-01', '{}')`.execute(h.rt.db);
  await sql`INSERT INTO analytics.zone_days (home_id, zone_id, date, status, reason, analysed_at, dag_run_id)
    VALUES (7, 1, '2022-03-20', 'rejected', 'missing interior', now(), ${RUN_ID})`.execute(h.rt.db);
  web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => {
  await web?.close();
  await h?.cleanup();
});

describe('the runs a zone-day page names', () => {
  it('link to a run that exists, and only name one deleted with its DAG', async () => {
    const runHref = `/dags/heating_analytics/runs/${encodeURIComponent(RUN_ID)}`;
    const before = await get(PAGE);
    expect(before.status).toBe(200);
    expect(before.body).toContain(`class="run-link" data-dag="heating_analytics" href="${runHref}"`);
    expect((await get(runHref)).status).toBe(200);

    const del = await fetch(`${web.url}/api/v1/dags/heating_analytics`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(del.status).toBe(204);
    expect((await get(runHref)).status).toBe(404);

    const after = await get(PAGE);
    expect(after.status).toBe(200);
    expect(after.body).toContain('id="rejected-reason"');
    expect(after.body).not.toContain('class="run-link"');
    expect(after.body).not.toContain(`href="${runHref}"`);
    expect(after.body).toContain(
      `<span class="run-deleted">${RUN_ID}</span> <span class="muted">(run deleted: no page)</span>`,
    );
    const api = await get(API, 'application/json');
    expect(api.status).toBe(200);
    expect((JSON.parse(api.body) as ZoneDayModel).runs).toEqual([
      { dagId: 'heating_analytics', runId: RUN_ID, state: null, href: null },
    ]);
  });
});
