/**
 * A typed facade over `@dagrejs/dagre`'s layout. The package's type declarations use
 * extension-less relative imports, which TypeScript's NodeNext resolution cannot follow, so its
 * types arrive unresolved; this file states the few members heatflow uses and is the only place
 * that touches the library.
 */
import * as dagre from '@dagrejs/dagre';

/** What dagre writes on a node after layout: its centre, in px. */
interface LaidOutNode {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

/** The members of dagre's `Graph` (a graphlib graph) used here. */
interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  graph(): { width?: number; height?: number };
  setDefaultEdgeLabel(fn: () => Record<string, unknown>): void;
  setNode(id: string, label: LaidOutNode): void;
  node(id: string): LaidOutNode | undefined;
  setEdge(from: string, to: string): void;
  edge(from: string, to: string): { points?: { x: number; y: number }[] } | undefined;
}

const GraphCtor = dagre.Graph as unknown as new () => DagreGraph;
const runLayout = dagre.layout as unknown as (g: DagreGraph) => void;

/** A box to place, in px. */
export interface LayoutBox {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

/** The placed graph: its size, each box's centre and each edge's polyline (px), all inside 0..width × 0..height. */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly centres: ReadonlyMap<string, { readonly x: number; readonly y: number }>;
  readonly edges: readonly {
    readonly from: string;
    readonly to: string;
    readonly points: readonly { readonly x: number; readonly y: number }[];
  }[];
}

/**
 * Lays out boxes and edges (each edge between two given boxes, once) with dagre.
 * @param options dagre's graph options, e.g. `{ rankdir: 'LR', nodesep: 18, ranksep: 70 }`
 */
export function layoutGraph(
  boxes: readonly LayoutBox[],
  edges: readonly { readonly from: string; readonly to: string }[],
  options: Readonly<Record<string, unknown>>,
): GraphLayout {
  const g = new GraphCtor();
  g.setGraph({ ...options });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes) g.setNode(b.id, { width: b.width, height: b.height });
  for (const e of edges) g.setEdge(e.from, e.to);
  runLayout(g);
  const placed = boxes.map((b) => {
    const n = g.node(b.id);
    return { b, x: n?.x ?? 0, y: n?.y ?? 0 };
  });
  const routed = edges.map((e) => ({ ...e, points: g.edge(e.from, e.to)?.points ?? [] }));
  // dagre's graph size covers the nodes, but an edge routed around a rank can bend outside it
  // (seen above the first rank of heating_analytics); take the box of nodes and every edge point.
  const size = g.graph();
  let minX = 0;
  let minY = 0;
  let maxX = size.width ?? 0;
  let maxY = size.height ?? 0;
  for (const { b, x, y } of placed) {
    minX = Math.min(minX, x - b.width / 2);
    minY = Math.min(minY, y - b.height / 2);
    maxX = Math.max(maxX, x + b.width / 2);
    maxY = Math.max(maxY, y + b.height / 2);
  }
  for (const e of routed)
    for (const p of e.points) {
      minX = Math.min(minX, p.x);
      minY = Math.min(minY, p.y);
      maxX = Math.max(maxX, p.x);
      maxY = Math.max(maxY, p.y);
    }
  const centres = new Map<string, { x: number; y: number }>();
  for (const { b, x, y } of placed) centres.set(b.id, { x: x - minX, y: y - minY });
  return {
    width: Math.ceil(maxX - minX),
    height: Math.ceil(maxY - minY),
    centres,
    edges: routed.map((e) => ({ ...e, points: e.points.map((p) => ({ x: p.x - minX, y: p.y - minY })) })),
  };
}
