/**
 * `DELETE /api/v1/dags/{dag_id}` (issue 16): 401 without the bearer token, 204 and every metadata
 * row of that DAG gone (its XComs too) while the other DAG keeps its runs, 404 for an unknown DAG.
 * Real Postgres, Redis and HTTP; the DAGs of test/fixtures/dags-cli-verbs.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import { insertTaskInstances } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'dag-delete-token-5678';
const logical = new Date(Date.UTC(2022, 0, 3, 1));
let h: TestOrchestrator;
let web: WebServer;

const del = (dagId: string, token: string | null = TOKEN) =>
  fetch(`${web.url}/api/v1/dags/${dagId}`, {
    method: 'DELETE',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
const runsOf = async (dagId: string) =>
  (await h.rt.db.selectFrom('heatflow.dag_runs').select('run_id').where('dag_id', '=', dagId).execute())
    .length;

beforeAll(async () => {
  h = await createTestOrchestrator('webdagdelete', {
    dagsDir: path.resolve('test/fixtures/dags-cli-verbs'),
    env: { HEATFLOW_WEB_TOKEN: TOKEN },
  });
  await syncDagBag(h.rt.db, await h.rt.registry.refresh(), new Date());
  const runId = makeRunId('scheduled', logical);
  for (const dagId of ['verbs_ok', 'verbs_fail']) {
    await insertQueuedRuns(
      h.rt.db,
      [
        {
          dagId,
          runId,
          runType: 'scheduled',
          logicalDate: logical,
          dataIntervalStart: logical,
          dataIntervalEnd: new Date(logical.getTime() + 86_400_000),
        },
      ],
      new Date(),
    );
    const taskId = dagId === 'verbs_ok' ? 'a' : 'boom';
    await insertTaskInstances(h.rt.db, [
      { dagId, runId, taskId, maxTries: 0, pool: 'default_pool', poolSlots: 1 },
    ]);
    await h.rt.xcom.push({ dagId, runId, taskId }, { dagId });
  }
  web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
}, 60_000);
afterAll(async () => {
  await web?.close();
  await h?.cleanup();
});

describe('DELETE /api/v1/dags/{dag_id}', () => {
  it('needs the bearer token (401, nothing deleted)', async () => {
    const r = await del('verbs_fail', null);
    expect(r.status).toBe(401);
    expect(await runsOf('verbs_fail')).toBe(1);
  });

  it("answers 204 and deletes that DAG's metadata and XComs only", async () => {
    const r = await del('verbs_fail');
    expect(r.status).toBe(204);
    expect(await runsOf('verbs_fail')).toBe(0);
    expect(
      await h.rt.db
        .selectFrom('heatflow.task_instances')
        .select('dag_id')
        .where('dag_id', '=', 'verbs_fail')
        .execute(),
    ).toEqual([]);
    expect(
      await h.rt.db.selectFrom('heatflow.dags').select('dag_id').where('dag_id', '=', 'verbs_fail').execute(),
    ).toEqual([]);
    const runId = makeRunId('scheduled', logical);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_fail', runId, taskId: 'boom' })).toBeUndefined();
    expect(await runsOf('verbs_ok')).toBe(1);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_ok', runId, taskId: 'a' })).toEqual({ dagId: 'verbs_ok' });
    const events = await h.rt.db.selectFrom('heatflow.log').select(['event', 'dag_id', 'owner']).execute();
    expect(events).toEqual([{ event: 'dag.delete', dag_id: 'verbs_fail', owner: 'token' }]);
  });

  it('answers 404 naming a DAG the database does not know', async () => {
    const r = await del('verbs_fail');
    expect(r.status).toBe(404);
    expect(((await r.json()) as { detail: string }).detail).toBe(
      'DAG "verbs_fail" not found in the metadata database',
    );
  });
});
