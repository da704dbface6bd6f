/**
 * The Assets page: the lineage graph (producer DAG → asset → consumer DAG) and, per asset, its
 * producing tasks, consuming DAGs with their pending events, its event count and latest events
 * (each linking to the run that produced it).
 */
import type { AssetActivity, AssetWithRefs } from '../../db/asset-queries.js';
import { html, urlPath, type SafeHtml } from '../html.js';
import { fmtDate, layout, type PageContext } from './layout.js';
import { lineageSvg, type LineageEdge, type LineageNode } from './lineage-svg.js';

/** The anchor of an asset's row on the Assets page. */
export const assetAnchor = (assetId: string): string => `asset-${assetId}`;

/** The lineage graph's nodes and edges for these assets (a DAG's note: its producing tasks, paused). */
export function lineageOf(
  assets: readonly AssetWithRefs[],
  paused: ReadonlySet<string>,
): { nodes: LineageNode[]; edges: LineageEdge[] } {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const dags = new Map<string, { tasks: Set<string>; inactive: boolean }>();
  const dag = (dagId: string, isActive: boolean) => {
    const d = dags.get(dagId) ?? { tasks: new Set<string>(), inactive: !isActive };
    dags.set(dagId, d);
    return `dag:${dagId}`;
  };
  for (const a of assets) {
    const assetNode = `asset:${a.uri}`;
    nodes.push({ id: assetNode, kind: 'asset', label: a.uri, href: `/assets#${assetAnchor(a.id)}` });
    const producers = new Set<string>();
    for (const p of a.producers) {
      producers.add(dag(p.dag_id, p.is_active));
      dags.get(p.dag_id)?.tasks.add(p.task_id);
    }
    for (const from of producers) edges.push({ from, to: assetNode });
    for (const c of a.consumers) edges.push({ from: assetNode, to: dag(c.dag_id, c.is_active) });
  }
  for (const [dagId, d] of dags) {
    const tasks = [...d.tasks].sort();
    const note = [
      tasks.length === 0 ? '' : `task${tasks.length === 1 ? '' : 's'} ${tasks.join(', ')}`,
      paused.has(dagId) ? 'paused' : '',
      d.inactive ? 'file gone' : '',
    ]
      .filter((x) => x !== '')
      .join(' · ');
    nodes.push({
      id: `dag:${dagId}`,
      kind: 'dag',
      label: dagId,
      href: urlPath('dags', dagId, 'grid'),
      ...(note === '' ? {} : { note }),
      ...(d.inactive ? { inactive: true } : {}),
    });
  }
  return { nodes, edges };
}

/** The Assets page. */
export function assetsView(
  ctx: PageContext,
  assets: readonly AssetWithRefs[],
  activity: AssetActivity,
  paused: ReadonlySet<string>,
): SafeHtml {
  const { nodes, edges } = lineageOf(assets, paused);
  const totalEvents = [...activity.eventCounts.values()].reduce((n, c) => n + c, 0);
  const rows = assets.map((a) => {
    const latest = activity.latestEvents.get(a.id) ?? [];
    return html`<tr id="${assetAnchor(a.id)}" data-asset-uri="${a.uri}">
      <td>
        <code>${a.uri}</code>
        ${Object.keys(a.extra).length === 0 ? '' : html`<pre class="xcom">${JSON.stringify(a.extra, null, 1)}</pre>`}
      </td>
      <td>
        ${
          a.producers.length === 0
            ? html`<span class="muted">none</span>`
            : a.producers.map(
                (p) =>
                  html`<div>
                    <a href="${urlPath('dags', p.dag_id, 'grid')}">${p.dag_id}</a
                    >.${p.task_id}${p.is_active ? '' : html` <span class="muted">(file gone)</span>`}
                  </div>`,
              )
        }
      </td>
      <td>
        ${
          a.consumers.length === 0
            ? html`<span class="muted">none</span>`
            : a.consumers.map((c) => {
                const pending = activity.pending.get(c.dag_id)?.get(a.id) ?? 0;
                return html`<div>
                  <a href="${urlPath('dags', c.dag_id, 'grid')}">${c.dag_id}</a>
                  ${paused.has(c.dag_id) ? html`<span class="badge state-none">paused</span>` : ''}
                  ${pending === 0 ? '' : html`<span class="count state-queued" title="events waiting for its next run">${pending} pending</span>`}
                  ${c.is_active ? '' : html`<span class="muted">(file gone)</span>`}
                </div>`;
              })
        }
      </td>
      <td class="num">${activity.eventCounts.get(a.id) ?? 0}</td>
      <td>
        ${
          latest.length === 0
            ? html`<span class="muted">no event yet</span>`
            : html`<ul class="events">
                ${latest.map(
                  (e) =>
                    html`<li>
                      ${fmtDate(e.timestamp)} ·
                      <a
                        href="${urlPath('dags', e.source_dag_id, 'runs', e.source_run_id)}"
                        title="try ${e.source_try_number} of ${e.source_dag_id}.${e.source_task_id}"
                        >${e.source_dag_id} ${e.source_run_id}</a
                      >
                      <span class="muted"
                        >[${fmtDate(e.source_data_interval_start)} –
                        ${fmtDate(e.source_data_interval_end)})</span
                      >
                    </li>`,
                )}
              </ul>`
        }
      </td>
    </tr>`;
  });
  const body = html`<h1>Assets</h1>
    <p class="sub">
      ${assets.length} asset${assets.length === 1 ? '' : 's'} · ${totalEvents}
      event${totalEvents === 1 ? '' : 's'} · a DAG scheduled on assets runs once each of them has had an event
      since its last run
    </p>
    <h2>Lineage</h2>
    <div class="card lineage-wrap">${lineageSvg(nodes, edges)}</div>
    <table class="data" id="assets">
      <thead>
        <tr>
          <th>Asset</th>
          <th>Producing tasks</th>
          <th>Consuming DAGs</th>
          <th class="num">Events</th>
          <th>Latest events (link: the producing run)</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan="5" class="muted">No asset yet.</td>
              </tr>`
            : rows
        }
      </tbody>
    </table>`;
  return layout(ctx, 'Assets', body);
}
