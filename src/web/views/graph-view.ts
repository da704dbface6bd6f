/**
 * The Graph view of a DAG (Airflow's Graph tab): its tasks and dependencies laid out left to
 * right by `@dagrejs/dagre` (through `dagre-layout.ts`) and drawn as server-side SVG (no script
 * needed), each task filled with its state colour in the selected run and linking to its task
 * instance; assets and the DAGs across them are drawn as on the Assets page.
 */
import type { DagRow } from '../../db/database.js';
import type { GridRun } from '../../db/web-queries.js';
import { STATE_COLOURS } from '../assets.js';
import type { DagGraphModel, DagGraphNode } from '../graph/dag-graph-model.js';
import { html, urlPath, type SafeHtml } from '../html.js';
import { dagHeader } from './dag-views.js';
import { layoutGraph } from './dagre-layout.js';
import { dsOf, layout, stateBadge, stateLegend, type PageContext } from './layout.js';

/** Longest label drawn in full, in characters (the full text is in the node's tooltip). */
const MAX_LABEL_CHARS = 40;
/** Width of a character of the 12 px label font, in px (an estimate: laid out server-side). */
const CHAR_PX = 7.2;
const NODE_HEIGHT_PX = 36;
/** States whose colour is light enough for dark text (as the grid's CSS). */
const DARK_TEXT = new Set(['none', 'removed', 'up_for_retry', 'up_for_reschedule']);

const clip = (s: string) => (s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s);

/** Where a node links to: a task to its instance in the run (or the grid), an asset to /assets. */
function hrefOf(dagId: string, runId: string | undefined, n: DagGraphNode): string {
  if (n.kind === 'asset') return '/assets';
  if (n.kind === 'dag') return urlPath('dags', n.label, 'graph');
  return runId === undefined
    ? urlPath('dags', dagId, 'grid')
    : urlPath('dags', dagId, 'runs', runId, 'tasks', n.label);
}

/** Fill, stroke and text colour of a node. */
function coloursOf(n: DagGraphNode): { fill: string; stroke: string; text: string } {
  if (n.kind === 'asset') return { fill: '#fff4e0', stroke: '#d08a00', text: '#1f2933' };
  if (n.kind === 'dag') return { fill: '#e3ecf6', stroke: '#16324f', text: '#1f2933' };
  const state = n.state ?? 'none';
  return {
    fill: STATE_COLOURS[state] ?? STATE_COLOURS.none ?? '#f2f2f2',
    stroke: '#16324f',
    text: DARK_TEXT.has(state) ? '#222' : '#fff',
  };
}

/**
 * The SVG of a DAG's graph.
 * @param runId the selected run, whose task instances the task nodes link to
 */
export function dagGraphSvg(dagId: string, runId: string | undefined, model: DagGraphModel): SafeHtml {
  if (model.nodes.length === 0) return html`<p class="muted">This DAG has no task.</p>`;
  const sizes = new Map(
    model.nodes.map((n) => [
      n.id,
      { width: Math.ceil(clip(n.label).length * CHAR_PX) + 28, height: NODE_HEIGHT_PX },
    ]),
  );
  const placed = layoutGraph(
    model.nodes.map((n) => ({ id: n.id, ...(sizes.get(n.id) ?? { width: 0, height: 0 }) })),
    model.edges,
    { rankdir: 'LR', nodesep: 20, ranksep: 56, marginx: 12, marginy: 12 },
  );
  const paths = placed.edges.map((e) => {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    return html`<path
      class="graph-edge"
      data-from="${e.from}"
      data-to="${e.to}"
      d="${d}"
      fill="none"
      stroke="#7b8794"
      stroke-width="1.5"
      marker-end="url(#graph-arrow)"
    />`;
  });
  const boxes = model.nodes.map((n) => {
    const c = placed.centres.get(n.id) ?? { x: 0, y: 0 };
    const size = sizes.get(n.id) ?? { width: 0, height: 0 };
    const colours = coloursOf(n);
    const what =
      n.kind === 'task'
        ? `task ${n.label}: ${n.state ?? 'none'}`
        : `${n.kind === 'asset' ? 'asset' : 'DAG'} ${n.label}`;
    return html`<a
      href="${hrefOf(dagId, runId, n)}"
      class="graph-node graph-${n.kind}"
      data-node-id="${n.id}"
      data-state="${n.state ?? ''}"
    >
      <title>${what}</title>
      <rect
        x="${(c.x - size.width / 2).toFixed(1)}"
        y="${(c.y - size.height / 2).toFixed(1)}"
        width="${size.width}"
        height="${size.height}"
        rx="${n.kind === 'asset' ? 18 : 5}"
        fill="${colours.fill}"
        stroke="${colours.stroke}"
        stroke-width="1.2"
      />
      <text
        x="${c.x.toFixed(1)}"
        y="${(c.y + 4).toFixed(1)}"
        text-anchor="middle"
        font-size="12"
        fill="${colours.text}"
        >${clip(n.label)}</text
      >
    </a>`;
  });
  return html`<svg
    xmlns="http://www.w3.org/2000/svg"
    id="dag-graph"
    class="dag-graph"
    width="${placed.width}"
    height="${placed.height}"
    viewBox="0 0 ${placed.width} ${placed.height}"
    role="img"
    aria-label="graph of ${dagId}: tasks and their dependencies"
  >
    <defs>
      <marker
        id="graph-arrow"
        viewBox="0 0 10 10"
        refX="10"
        refY="5"
        markerWidth="7"
        markerHeight="7"
        orient="auto-start-reverse"
      >
        <path d="M0,0 L10,5 L0,10 z" fill="#7b8794" />
      </marker>
    </defs>
    ${paths} ${boxes}
  </svg>`;
}

/**
 * The Graph page: a run selector (a plain GET form: works without script), the graph, the legend.
 * @param run the selected run (undefined: the DAG has no run yet)
 * @param runs the latest runs to choose from (newest first)
 * @param declared false when the DAG folder no longer declares the DAG (no dependencies known)
 */
export function graphView(
  ctx: PageContext,
  dag: DagRow,
  run: GridRun | undefined,
  runs: readonly GridRun[],
  model: DagGraphModel,
  declared: boolean,
): SafeHtml {
  const choices = run !== undefined && !runs.some((r) => r.run_id === run.run_id) ? [run, ...runs] : runs;
  const selector =
    run === undefined
      ? html`<p class="muted">No run yet: the tasks are drawn without a state.</p>`
      : html`<form method="get" class="run-select" action="${urlPath('dags', dag.dag_id, 'graph')}">
          <label
            >run
            <select name="run_id" id="graph-run">
              ${choices.map((r) => html`<option value="${r.run_id}" ${r.run_id === run.run_id ? 'selected' : ''}>${dsOf(r.logical_date, dag.timezone)} · ${r.run_id} · ${r.state}</option>`)}
            </select></label
          >
          <button type="submit" class="secondary">Show</button>
          <span
            >selected:
            <a href="${urlPath('dags', dag.dag_id, 'runs', run.run_id)}">${run.run_id}</a>
            ${stateBadge(run.state)}</span
          >
        </form>`;
  const body = html`${dagHeader(ctx, dag, 'graph')} ${selector}
    ${declared ? '' : html`<p class="muted">The DAG folder no longer declares this DAG: its dependencies are unknown.</p>`}
    <div class="card graph-wrap">${dagGraphSvg(dag.dag_id, run?.run_id, model)}</div>
    ${stateLegend()}
    <p class="muted">
      Orange: assets (produced by a task, or waited on by an asset schedule); blue: DAGs across an asset.
    </p>`;
  return layout(ctx, `${dag.dag_id} graph`, body);
}
