import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../../src/web/views/dagre-layout.js';

// heating_analytics's dependencies (dags/heating_analytics.ts): clean → quality_check skips four
// ranks, and dagre routes that edge above the first rank, outside the size it reports.
const tasks = [
  'clean',
  'resample',
  'merge',
  'daily_metrics',
  'weather_dependence',
  'unusual_days',
  'quality_check',
];
const edges = [
  ['clean', 'resample'],
  ['resample', 'merge'],
  ['resample', 'daily_metrics'],
  ['daily_metrics', 'weather_dependence'],
  ['weather_dependence', 'unusual_days'],
  ['clean', 'quality_check'],
  ['merge', 'quality_check'],
  ['unusual_days', 'quality_check'],
].map(([from, to]) => ({ from: from ?? '', to: to ?? '' }));

describe('layoutGraph', () => {
  it('keeps every box and every edge point inside the canvas it reports', () => {
    const g = layoutGraph(
      tasks.map((id) => ({ id, width: 150, height: 34 })),
      edges,
      { rankdir: 'LR', nodesep: 20, ranksep: 56, marginx: 12, marginy: 12 },
    );
    expect(g.centres.size).toBe(tasks.length);
    for (const [id, c] of g.centres) {
      expect(c.x - 75, id).toBeGreaterThanOrEqual(0);
      expect(c.y - 17, id).toBeGreaterThanOrEqual(0);
      expect(c.x + 75, id).toBeLessThanOrEqual(g.width);
      expect(c.y + 17, id).toBeLessThanOrEqual(g.height);
    }
    expect(g.edges).toHaveLength(edges.length);
    for (const e of g.edges) {
      expect(e.points.length, `${e.from} > ${e.to}`).toBeGreaterThan(1);
      for (const p of e.points) {
        expect(p.x, `${e.from} > ${e.to}`).toBeGreaterThanOrEqual(0);
        expect(p.y, `${e.from} > ${e.to}`).toBeGreaterThanOrEqual(0);
        expect(p.x, `${e.from} > ${e.to}`).toBeLessThanOrEqual(g.width);
        expect(p.y, `${e.from} > ${e.to}`).toBeLessThanOrEqual(g.height);
      }
    }
  });
});
