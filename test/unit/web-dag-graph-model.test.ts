import { describe, expect, it } from 'vitest';
import { buildDagGraph } from '../../src/web/graph/dag-graph-model.js';

const etl = [
  { taskId: 'extract', upstream: [], outlets: [] },
  { taskId: 'validate', upstream: ['extract'], outlets: [] },
  { taskId: 'transform', upstream: ['validate'], outlets: [] },
  { taskId: 'load', upstream: ['transform'], outlets: ['tado://warehouse'] },
];
const refs = [
  { uri: 'tado://warehouse', producerDagIds: ['tado_etl'], consumerDagIds: ['heating_analytics'] },
];

describe('buildDagGraph', () => {
  it('draws tasks with their run states, dependencies, outlet assets and their consumer DAGs', () => {
    const g = buildDagGraph(
      'tado_etl',
      etl,
      [],
      new Map([
        ['extract', 'success'],
        ['validate', 'failed'],
      ]),
      refs,
    );
    expect(g.nodes.map((n) => [n.id, n.kind, n.state])).toEqual([
      ['task:extract', 'task', 'success'],
      ['task:validate', 'task', 'failed'],
      ['task:transform', 'task', 'none'],
      ['task:load', 'task', 'none'],
      ['asset:tado://warehouse', 'asset', undefined],
      ['dag:heating_analytics', 'dag', undefined],
    ]);
    expect(g.edges.map((e) => `${e.from} > ${e.to}`)).toEqual([
      'task:extract > task:validate',
      'task:validate > task:transform',
      'task:transform > task:load',
      'task:load > asset:tado://warehouse',
      'asset:tado://warehouse > dag:heating_analytics',
    ]);
  });

  it('for an asset-scheduled DAG, points its inlet assets (and their producers) at its root tasks', () => {
    const g = buildDagGraph(
      'heating_analytics',
      [
        { taskId: 'clean', upstream: [], outlets: [] },
        { taskId: 'resample', upstream: ['clean'], outlets: [] },
        { taskId: 'merge', upstream: ['resample'], outlets: [] },
        { taskId: 'daily_metrics', upstream: ['resample'], outlets: [] },
      ],
      ['tado://warehouse'],
      new Map(),
      refs,
    );
    expect(g.edges.map((e) => `${e.from} > ${e.to}`).sort()).toEqual(
      [
        'dag:tado_etl > asset:tado://warehouse',
        'asset:tado://warehouse > task:clean',
        'task:clean > task:resample',
        'task:resample > task:merge',
        'task:resample > task:daily_metrics',
      ].sort(),
    );
    expect(g.nodes.filter((n) => n.kind === 'dag').map((n) => n.label)).toEqual(['tado_etl']);
  });

  it('never draws the DAG itself as a neighbour, keeps each edge once and ignores unknown upstream ids', () => {
    const g = buildDagGraph(
      'self',
      [
        { taskId: 'a', upstream: ['gone'], outlets: ['x://1', 'x://1'] },
        { taskId: 'b', upstream: ['a', 'a'], outlets: [] },
      ],
      ['x://1'],
      new Map(),
      [{ uri: 'x://1', producerDagIds: ['self'], consumerDagIds: ['self'] }],
    );
    expect(g.nodes.map((n) => n.id)).toEqual(['task:a', 'task:b', 'asset:x://1']);
    expect(g.edges.map((e) => `${e.from} > ${e.to}`)).toEqual([
      'task:a > task:b',
      'task:a > asset:x://1',
      'asset:x://1 > task:a',
    ]);
  });
});
