/**
 * The lineage graph of the Assets page: producer DAG → asset → consumer DAG, laid out left to
 * right with `@dagrejs/dagre` and drawn as server-side SVG (no script needed). Node labels are
 * links to the DAG's grid or to the asset's row of the page; every text is escaped.
 */
import { html, type SafeHtml } from '../html.js';
import { layoutGraph } from './dagre-layout.js';

/** A node of the lineage graph. */
export interface LineageNode {
  /** unique among the graph's nodes, e.g. `dag:tado_etl`, `asset:tado://warehouse` */
  readonly id: string;
  readonly kind: 'dag' | 'asset';
  readonly label: string;
  /** where the label links to */
  readonly href: string;
  /** a second, smaller line (e.g. the producing tasks, or "paused") */
  readonly note?: string;
  /** drawn muted (a DAG whose file is gone) */
  readonly inactive?: boolean;
}

/** An edge of the lineage graph, by node ids. */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
}

/** Longest label drawn in full, in characters (the full text is in the node's tooltip). */
const MAX_LABEL_CHARS = 48;
/** Width of a character of the 12 px label font, in px (an estimate: the SVG is laid out server-side). */
const CHAR_PX = 7;
const NODE_HEIGHT_PX = 40;

const clip = (s: string) => (s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s);

/**
 * The SVG of the lineage graph, or a short note when there is nothing to draw. Nodes without an
 * edge are drawn too (an asset nobody produces yet, a DAG whose consumer is gone).
 */
export function lineageSvg(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): SafeHtml {
  if (nodes.length === 0)
    return html`<p class="muted">No asset yet: declare outlets or an asset schedule in a DAG.</p>`;
  const sizes = new Map(
    nodes.map((n) => {
      const chars = Math.max(clip(n.label).length, n.note === undefined ? 0 : clip(n.note).length * 0.85);
      return [n.id, { width: Math.ceil(chars * CHAR_PX) + 24, height: NODE_HEIGHT_PX }] as const;
    }),
  );
  const drawn = edges.filter((e, i) => {
    const first = edges.findIndex((x) => x.from === e.from && x.to === e.to) === i;
    return first && sizes.has(e.from) && sizes.has(e.to);
  });
  const placed = layoutGraph(
    nodes.map((n) => ({ id: n.id, ...(sizes.get(n.id) ?? { width: 0, height: 0 }) })),
    drawn,
    { rankdir: 'LR', nodesep: 18, ranksep: 70, marginx: 12, marginy: 12 },
  );
  const { width, height } = placed;

  const paths = placed.edges.map((e) => {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    return html`<path
      class="lineage-edge"
      d="${d}"
      fill="none"
      stroke="#7b8794"
      stroke-width="1.5"
      marker-end="url(#lineage-arrow)"
    />`;
  });
  const boxes = nodes.map((n) => {
    const centre = placed.centres.get(n.id) ?? { x: 0, y: 0 };
    const size = sizes.get(n.id) ?? { width: 0, height: 0 };
    const box = { ...centre, ...size };
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const asset = n.kind === 'asset';
    const fill = asset ? '#fff4e0' : n.inactive === true ? '#eceff3' : '#e3ecf6';
    const stroke = asset ? '#d08a00' : '#16324f';
    return html`<a href="${n.href}" class="lineage-node lineage-${n.kind}" data-node-id="${n.id}">
      <title>
        ${n.kind === 'asset' ? 'asset' : 'DAG'} ${n.label}${n.note === undefined ? '' : ` (${n.note})`}
      </title>
      <rect
        x="${x.toFixed(1)}"
        y="${y.toFixed(1)}"
        width="${box.width}"
        height="${box.height}"
        rx="${asset ? 18 : 4}"
        fill="${fill}"
        stroke="${stroke}"
        stroke-width="1.2"
      />
      <text
        x="${box.x.toFixed(1)}"
        y="${(box.y - (n.note === undefined ? -4 : 2)).toFixed(1)}"
        text-anchor="middle"
        font-size="12"
        fill="#1f2933"
        >${clip(n.label)}</text
      >
      ${n.note === undefined ? '' : html`<text x="${box.x.toFixed(1)}" y="${(box.y + 13).toFixed(1)}" text-anchor="middle" font-size="10" fill="#52606d">${clip(n.note)}</text>`}
    </a>`;
  });
  return html`<svg
    xmlns="http://www.w3.org/2000/svg"
    id="lineage"
    class="lineage"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="lineage: producer DAGs, assets, consumer DAGs"
  >
    <defs>
      <marker
        id="lineage-arrow"
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
