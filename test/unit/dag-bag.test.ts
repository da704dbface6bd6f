import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDagBag } from '../../src/dag-processing/dag-bag.js';
import type { DagBag } from '../../src/dag-processing/dag-bag.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../fixtures/dags');
const coreUrl = pathToFileURL(path.resolve(here, '../../src/core/index.ts')).href;

function errorFor(bag: DagBag, file: string): string {
  const found = bag.importErrors.filter((e) => e.file === file);
  expect(found, `import errors of ${file}`).toHaveLength(1);
  return found[0]?.error ?? '';
}

describe('loadDagBag on test/fixtures/dags', () => {
  let bag: DagBag;
  beforeAll(async () => {
    bag = await loadDagBag(fixtures);
  });

  it('collects every exported DAG once, with its file, from .ts and nested .mts files', () => {
    expect([...bag.dags.keys()].sort()).toEqual([
      'asset_consumer',
      'asset_producer',
      'fixture_etl',
      'fixture_manual',
      'fixture_weekly',
    ]);
    const etl = bag.dags.get('fixture_etl');
    expect(etl?.file).toBe(path.join(fixtures, 'good.ts'));
    expect(etl?.dag.timezone).toBe('Europe/London');
    expect(etl?.dag.tasks.get('load')?.retries).toBe(2);
    expect(etl?.dag.schedule).toBe('0 1 * * *');
    expect(bag.dags.get('fixture_weekly')?.file).toBe(path.join(fixtures, 'nested', 'weekly.mts'));
    // the asset pair (assets/): outlets and an asset schedule survive loading from files
    const consumer = bag.dags.get('asset_consumer')?.dag;
    expect(consumer?.schedule).toBeNull();
    expect(consumer?.scheduleAssets).toEqual(['fixture://warehouse']);
    expect(consumer?.assets.get('fixture://warehouse')?.extra).toEqual({ owner: 'tests' });
    expect(bag.dags.get('asset_producer')?.dag.tasks.get('publish')?.outlets).toEqual([
      'fixture://warehouse',
    ]);
  });

  it('turns each broken file into one import error naming it, without stopping the others', () => {
    expect(bag.importErrors.map((e) => path.relative(fixtures, e.file)).sort()).toEqual([
      'bad-cron.ts',
      'cyclic.ts',
      'later-duplicate.ts',
      'throws.ts',
    ]);
    expect(errorFor(bag, path.join(fixtures, 'cyclic.ts'))).toContain('a -> b -> c -> a');
    const badCron = errorFor(bag, path.join(fixtures, 'bad-cron.ts'));
    expect(badCron).toContain('schedule');
    expect(badCron).toContain('61 1 * * *');
    expect(errorFor(bag, path.join(fixtures, 'throws.ts'))).toContain('remote config unavailable');
    const duplicate = errorFor(bag, path.join(fixtures, 'later-duplicate.ts'));
    expect(duplicate).toContain('fixture_etl');
    expect(duplicate).toContain(path.join(fixtures, 'good.ts'));
  });

  it('skips _-prefixed files and folders and declaration files', () => {
    const files = [...bag.dags.values()].map((e) => e.file).concat(bag.importErrors.map((e) => e.file));
    expect(
      files.some((f) => path.basename(f).startsWith('_') || f.includes(`${path.sep}_ignored${path.sep}`)),
    ).toBe(false);
    expect(files.some((f) => f.endsWith('.d.ts'))).toBe(false);
  });

  it('a missing folder is an empty bag', async () => {
    const empty = await loadDagBag(path.join(fixtures, 'does-not-exist'));
    expect(empty.dags.size).toBe(0);
    expect(empty.importErrors).toEqual([]);
  });
});

describe('loadDagBag on a folder that changes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'heatflow-dag-bag-'));
    // DAG folders live in an ESM package (the project's own is `"type": "module"`).
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const dagFile = (dagId: string, scheduleExpr: string) => `
import { defineDag } from '${coreUrl}';
import { owner } from './_owner.ts';
export const dag = defineDag({
  dagId: '${dagId}',
  schedule: ${scheduleExpr},
  startDate: '2022-01-01',
  tags: [owner],
  tasks: [{ taskId: 'a', command: ['true'] }],
});
`;

  it('picks up edits of a DAG file and of the modules it imports on the next load', async () => {
    await writeFile(path.join(dir, '_owner.ts'), `export const owner: string = 'alice';\n`);
    await writeFile(path.join(dir, 'edited.ts'), dagFile('edited_v1', `'@daily'`));
    const first = await loadDagBag(dir);
    expect([...first.dags.keys()]).toEqual(['edited_v1']);
    expect(first.dags.get('edited_v1')?.dag.tags).toEqual(['alice']);

    await writeFile(path.join(dir, '_owner.ts'), `export const owner: string = 'bob';\n`);
    await writeFile(path.join(dir, 'edited.ts'), dagFile('edited_v2', `'0 6 * * *'`));
    const second = await loadDagBag(dir);
    expect([...second.dags.keys()]).toEqual(['edited_v2']);
    expect(second.dags.get('edited_v2')?.dag.schedule).toBe('0 6 * * *');
    expect(second.dags.get('edited_v2')?.dag.tags).toEqual(['bob']);
    expect(second.importErrors).toEqual([]);
  });

  it('reports a syntax error and an invalid DAG by file, loads .mjs files, and skips node_modules', async () => {
    await writeFile(path.join(dir, 'edited.ts'), dagFile('edited_v3', `'@hourly'`));
    await writeFile(path.join(dir, 'syntax.ts'), `export const = defineDag({;\n`);
    await writeFile(path.join(dir, 'invalid.ts'), dagFile('invalid', `'0 1 * *'`));
    await writeFile(
      path.join(dir, 'plain.mjs'),
      dagFile('plain_js', 'null').replace('./_owner.ts', './_owner.mjs'),
    );
    await writeFile(path.join(dir, '_owner.mjs'), `export const owner = 'carol';\n`);
    await mkdir(path.join(dir, 'node_modules', 'x'), { recursive: true });
    await writeFile(path.join(dir, 'node_modules', 'x', 'index.js'), `throw new Error('must not load');\n`);

    const bag = await loadDagBag(dir);
    expect([...bag.dags.keys()].sort()).toEqual(['edited_v3', 'plain_js']);
    expect(bag.dags.get('plain_js')?.dag.tags).toEqual(['carol']);
    expect(bag.importErrors.map((e) => path.basename(e.file)).sort()).toEqual(['invalid.ts', 'syntax.ts']);
    expect(errorFor(bag, path.join(dir, 'invalid.ts'))).toMatch(/schedule.*5/);
    expect(errorFor(bag, path.join(dir, 'syntax.ts'))).not.toBe('');
  });

  it('picks up edits of a .mjs DAG file too', async () => {
    await rm(path.join(dir, 'syntax.ts'));
    await rm(path.join(dir, 'invalid.ts'));
    await writeFile(
      path.join(dir, 'plain.mjs'),
      dagFile('plain_js_v2', 'null').replace('./_owner.ts', './_owner.mjs'),
    );
    const bag = await loadDagBag(dir);
    expect([...bag.dags.keys()].sort()).toEqual(['edited_v3', 'plain_js_v2']);
    expect(bag.importErrors).toEqual([]);
  });

  it('returns the previous result for an unchanged folder, and re-imports with force', async () => {
    const first = await loadDagBag(dir);
    const again = await loadDagBag(dir);
    expect(again.dags.get('edited_v3')?.dag).toBe(first.dags.get('edited_v3')?.dag);
    expect(again.dags).not.toBe(first.dags);
    const forced = await loadDagBag(dir, { force: true });
    expect(forced.dags.get('edited_v3')?.dag).not.toBe(first.dags.get('edited_v3')?.dag);
    expect([...forced.dags.keys()].sort()).toEqual([...first.dags.keys()].sort());
    // a change to a helper module alone (not a DAG file) is a change
    await writeFile(path.join(dir, '_owner.ts'), `export const owner: string = 'dave';\n`);
    expect((await loadDagBag(dir)).dags.get('edited_v3')?.dag.tags).toEqual(['dave']);
  });
});
