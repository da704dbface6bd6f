/**
 * A sample of heatflow's REST responses compared with Airflow 2's OpenAPI description
 * (test/fixtures/airflow-openapi/v1-schemas.json, trimmed from apache/airflow's
 * `airflow/api_connexion/openapi/v1.yaml`), field by field:
 *
 * 1. each response validates against Airflow's schema (required fields, types, enums, nullable),
 *    with ajv on the JSON Schema that @openapi-contrib/openapi-schema-to-json-schema makes of it;
 * 2. every field heatflow sends is one of the schema's, or listed in {@link EXTRA} with the reason;
 * 3. every field of the schema is sent, or listed in {@link OMITTED} with the reason;
 * 4. where heatflow sends a value Airflow 2's enum does not have, {@link ENUM_DEPARTURES} says so.
 *
 * The request bodies sent are checked against Airflow's form schemas too (`UpdateDagRunState`,
 * `ListDagRunsForm`): a client written for Airflow sends the same.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

type Json = Record<string, unknown>;
type SchemaName =
  | 'DAG'
  | 'DAGDetail'
  | 'Task'
  | 'TaskCollection'
  | 'DAGRun'
  | 'DAGRunCollection'
  | 'DagStatsCollectionSchema'
  | 'DagStatsCollectionItem'
  | 'DagSource'
  | 'Error'
  | 'UpdateDagRunState'
  | 'ListDagRunsForm';

/** Fields heatflow sends that Airflow 2's schema does not have, per schema, with the reason. */
const EXTRA: Partial<Record<SchemaName, Record<string, string>>> = {
  DAG: {
    root_dag_id: 'Airflow 2 before 2.9 sent it (SubDAGs); null: heatflow has no SubDAGs',
    is_subdag: 'Airflow 2 before 2.9 sent it; always false',
    schedule_assets: "heatflow's: the asset URIs of an asset schedule (Airflow shows them only in the UI)",
    timezone: "Airflow's DAGDetail field, also given in the DAG object (the grid and calendar need it)",
  },
  Task: {
    upstream_task_ids: "heatflow's: the Graph view draws edges from both ends",
    outlets: "heatflow's: the asset URIs the task produces (Airflow 2 exposes them only in the UI)",
  },
  TaskCollection: { total_entries: 'CollectionInfo, as every other heatflow collection' },
  DAGRun: {
    queued_at: 'Airflow 2.x sends it in later releases; heatflow keeps it',
    backfill_id: "Airflow 3's: the backfill a run belongs to (null otherwise)",
  },
  Error: { parameter: "heatflow's: the request parameter at fault (400s), as the detail names it" },
};

/** Fields of Airflow's schema heatflow does not send, per schema, with the reason. */
const OMITTED: Partial<Record<SchemaName, Record<string, string>>> = {
  DAG: {
    last_pickled: 'heatflow never pickles DAGs',
    last_expired: 'no refresh signal in heatflow',
    scheduler_lock: 'the scheduler locks rows, not DAGs',
    pickle_id: 'heatflow never pickles DAGs',
    default_view: 'sent by DAGDetail only (the DAG list has one view)',
    max_consecutive_failed_dag_runs: 'heatflow has no automatic pausing after failures',
  },
  Task: {
    sub_dag: 'heatflow has no SubDAGs (and the schema does not allow null)',
  },
  Error: { instance: 'optional in RFC 7807; heatflow names the parameter instead' },
};

/** Enum values heatflow sends beyond Airflow 2's, per schema and field, with the reason. */
const ENUM_DEPARTURES: Record<string, { values: string[]; reason: string }> = {
  'DAGRun.run_type': {
    values: ['asset_triggered'],
    reason: "Airflow 3's name for Airflow 2's dataset_triggered (heatflow's assets are Airflow 2's datasets)",
  },
};

const FIXTURE = JSON.parse(
  readFileSync(path.resolve('test/fixtures/airflow-openapi/v1-schemas.json'), 'utf8'),
) as { components: { schemas: Record<string, Json> } };

/** The OpenAPI schemas as one JSON Schema document, with the enum departures applied. */
function buildValidators(): (name: SchemaName) => ValidateFunction {
  const schemas: Record<string, Json> = {};
  for (const [name, s] of Object.entries(FIXTURE.components.schemas)) {
    const { ['x-heatflow-note']: _note, ...rest } = s;
    const j = fromSchema(rest as never) as Json;
    delete j.$schema;
    // OpenAPI's `#/components/schemas/X` → this document's `#/definitions/X`
    schemas[name] = JSON.parse(
      JSON.stringify(j).replaceAll('"#/components/schemas/', '"#/definitions/'),
    ) as Json;
  }
  for (const [at, d] of Object.entries(ENUM_DEPARTURES)) {
    const [schema, field] = at.split('.') as [string, string];
    const prop = (schemas[schema]?.properties as Record<string, { enum: string[] }>)[field];
    if (prop === undefined) throw new Error(`no field ${at} in the fixture`);
    prop.enum = [...prop.enum, ...d.values];
  }
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormatsPlugin.default(ajv);
  ajv.addSchema({ $id: 'airflow', definitions: schemas });
  return (name) => {
    const v = ajv.getSchema(`airflow#/definitions/${name}`);
    if (v === undefined) throw new Error(`no schema ${name}`);
    return v;
  };
}

/** The property names of a schema of the fixture (allOf merged, $refs followed). */
function propertiesOf(name: string): Set<string> {
  const s = FIXTURE.components.schemas[name];
  if (s === undefined) throw new Error(`no schema ${name}`);
  const out = new Set<string>(Object.keys((s.properties as Json | undefined) ?? {}));
  for (const part of (s.allOf as Json[] | undefined) ?? []) {
    const ref = part.$ref as string | undefined;
    const keys =
      ref === undefined
        ? Object.keys((part.properties as Json | undefined) ?? {})
        : propertiesOf(ref.split('/').pop() ?? '');
    for (const k of keys) out.add(k);
  }
  return out;
}

/** Names the extra schemas inherit (DAGDetail is a DAG: its extras and omissions apply). */
const INHERITS: Partial<Record<SchemaName, SchemaName>> = { DAGDetail: 'DAG', DAGRunCollection: undefined };

function departures(table: typeof EXTRA, name: SchemaName): Record<string, string> {
  const base = INHERITS[name];
  return { ...(base === undefined ? {} : table[base]), ...table[name] };
}

describe("heatflow's responses against Airflow 2's OpenAPI description", () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const validator = buildValidators();
  const TOKEN = 'openapi-test-token-1234';
  const api = (p: string, init: RequestInit = {}) => fetch(`${web.url}/api/v1${p}`, init);
  const post = (method: string, p: string, body: unknown) =>
    api(p, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** Checks one object against a schema: validation, then field by field both ways. */
  function conforms(name: SchemaName, value: unknown, o: { everyExtra?: boolean } = {}): void {
    const v = validator(name);
    expect(v(value), `${name}: ${JSON.stringify(v.errors)}`).toBe(true);
    const sent = Object.keys(value as Json);
    const airflow = propertiesOf(name);
    const extra = departures(EXTRA, name);
    const omitted = departures(OMITTED, name);
    for (const k of sent)
      expect(airflow.has(k) || k in extra, `${name}.${k} is neither Airflow's nor listed in EXTRA`).toBe(
        true,
      );
    for (const k of airflow)
      expect(
        sent.includes(k) || k in omitted,
        `${name}.${k} is Airflow's but not sent nor listed in OMITTED`,
      ).toBe(true);
    // a listed departure that no longer happens is stale
    if (o.everyExtra !== false)
      for (const k of Object.keys(EXTRA[name] ?? {}))
        expect(sent, `EXTRA ${name}.${k} is stale`).toContain(k);
    for (const k of Object.keys(OMITTED[name] ?? {}))
      expect(sent, `OMITTED ${name}.${k} is stale`).not.toContain(k);
  }

  beforeAll(async () => {
    h = await createTestOrchestrator('webopenapi', {
      dagsDir: path.resolve('test/fixtures/dags-rest-api'),
      env: { HEATFLOW_WEB_TOKEN: TOKEN },
    });
    await syncDagBag(h.rt.db, await h.rt.registry.refresh(), new Date());
    const t0 = Date.UTC(2022, 0, 1, 1);
    await insertQueuedRuns(
      h.rt.db,
      (['backfill', 'asset_triggered'] as const).map((runType, i) => ({
        dagId: 'rest_api',
        runId: makeRunId(runType, new Date(t0 + i * 86_400_000)),
        runType,
        logicalDate: new Date(t0 + i * 86_400_000),
        dataIntervalStart: new Date(t0 + i * 86_400_000),
        dataIntervalEnd: new Date(t0 + (i + 1) * 86_400_000),
      })),
      new Date(),
    );
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('DAG, DAGDetail, Task and TaskCollection', async () => {
    conforms('DAG', await (await api('/dags/rest_api')).json());
    conforms('DAGDetail', await (await api('/dags/rest_api/details')).json());
    conforms('Task', await (await api('/dags/rest_api/tasks/extract')).json());
    const tasks = (await (await api('/dags/rest_api/tasks')).json()) as { tasks: Json[] };
    conforms('TaskCollection', tasks);
    expect(tasks.tasks).toHaveLength(2);
    for (const t of tasks.tasks) conforms('Task', t);
  });

  it('DagStatsCollectionSchema and the DAG source', async () => {
    const stats = (await (await api('/dagStats')).json()) as { dags: Json[] };
    expect(validator('DagStatsCollectionSchema')(stats)).toBe(true);
    expect(stats.dags).toHaveLength(1);
    for (const d of stats.dags) conforms('DagStatsCollectionItem', d);
    const dag = (await (await api('/dags/rest_api')).json()) as { file_token: string };
    conforms('DagSource', await (await api(`/dagSources/${dag.file_token}`)).json());
  });

  it('DAGRun and DAGRunCollection (GET, POST …/list, PATCH), run_type asset_triggered declared', async () => {
    const list = (await (await api('/dags/rest_api/dagRuns')).json()) as { dag_runs: Json[] };
    expect(validator('DAGRunCollection')(list)).toBe(true);
    expect(list.dag_runs.map((r) => r.run_type).sort()).toEqual(['asset_triggered', 'backfill']);
    for (const r of list.dag_runs) conforms('DAGRun', r);

    const form = { dag_ids: ['rest_api'], states: ['queued'], order_by: '-execution_date', page_limit: 5 };
    expect(validator('ListDagRunsForm')(form)).toBe(true);
    const listed = (await (await post('POST', '/dags/~/dagRuns/list', form)).json()) as { dag_runs: Json[] };
    expect(validator('DAGRunCollection')(listed)).toBe(true);
    expect(listed.dag_runs).toHaveLength(2);

    const update = { state: 'failed' };
    expect(validator('UpdateDagRunState')(update)).toBe(true);
    const runId = String(list.dag_runs[0]?.dag_run_id);
    const patched = await post('PATCH', `/dags/rest_api/dagRuns/${encodeURIComponent(runId)}`, update);
    expect(patched.status).toBe(200);
    conforms('DAGRun', await patched.json());
  });

  it('Error bodies of a 400, a 401 and a 404', async () => {
    const bad = await post('POST', '/dags/~/dagRuns/list', { page_limit: 'ten' });
    expect(bad.status).toBe(400);
    conforms('Error', await bad.json());
    const unauth = await api('/dags/rest_api/dagRuns/x', { method: 'DELETE' });
    expect(unauth.status).toBe(401);
    conforms('Error', await unauth.json(), { everyExtra: false });
    const missing = await api('/dags/rest_api/tasks/nope');
    expect(missing.status).toBe(404);
    conforms('Error', await missing.json(), { everyExtra: false });
  });

  it('the departures listed are the only ones (a schema check that can fail)', () => {
    // an Airflow DAGRun with an unknown run type, or a Task without its TimeDelta's fields, is refused
    expect(validator('DAGRun')({ dag_run_id: 'x', run_type: 'sideways' })).toBe(false);
    expect(validator('Task')({ retry_delay: { __type: 'TimeDelta', days: 0 } })).toBe(false);
    expect(validator('Error')({ title: 'x', status: 400 })).toBe(false);
  });
});
