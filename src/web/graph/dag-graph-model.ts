/**
 * The model of a DAG's Graph view (as Airflow's Graph tab): its tasks and their dependencies,
 * each task with its state in one run, the assets its tasks produce (outlets), the assets an
 * asset-scheduled DAG waits on (inlets), and the DAGs on the far side of those assets, so that
 * `tado_etl → tado://warehouse → heating_analytics` reads as lineage. Pure: no I/O.
 */

/** What the model needs of one task: its id, direct upstream ids and outlet URIs. */
export interface GraphTaskInput {
  readonly taskId: string;
  readonly upstream: readonly string[];
  readonly outlets: readonly string[];
}

/** What the model needs of an asset's other side: who produces it, who is scheduled on it. */
export interface GraphAssetRefs {
  readonly uri: string;
  /** DAG ids with a task producing the asset */
  readonly producerDagIds: readonly string[];
  /** DAG ids scheduled on the asset */
  readonly consumerDagIds: readonly string[];
}

/** A node of the Graph view. */
export interface DagGraphNode {
  /** unique in the graph: `task:<id>`, `asset:<uri>`, `dag:<id>` */
  readonly id: string;
  /** a task of this DAG, an asset, or another DAG linked through an asset */
  readonly kind: 'task' | 'asset' | 'dag';
  readonly label: string;
  /** the task instance's state in the selected run (`none` without a run or instance); tasks only */
  readonly state?: string;
}

/** A directed edge of the Graph view, by node ids. */
export interface DagGraphEdge {
  readonly from: string;
  readonly to: string;
}

/** The Graph view's nodes and edges, each edge once and between existing nodes. */
export interface DagGraphModel {
  readonly nodes: readonly DagGraphNode[];
  readonly edges: readonly DagGraphEdge[];
}

/** Node id of a task. */
export const taskNodeId = (taskId: string): string => `task:${taskId}`;
/** Node id of an asset. */
export const assetNodeId = (uri: string): string => `asset:${uri}`;
/** Node id of another DAG. */
export const dagNodeId = (dagId: string): string => `dag:${dagId}`;

/**
 * Builds the Graph view's model.
 * @param dagId the DAG drawn (it is never drawn as a `dag` node of its own graph)
 * @param tasks its tasks, in topological order
 * @param scheduleAssets URIs the DAG is scheduled on (empty unless asset-scheduled); they point
 *   at the DAG's root tasks
 * @param states task id → state in the selected run; a missing task is `none`
 * @param refs the other side of each asset (producers of inlets, consumers of outlets); an asset
 *   without refs is drawn alone
 */
export function buildDagGraph(
  dagId: string,
  tasks: readonly GraphTaskInput[],
  scheduleAssets: readonly string[],
  states: ReadonlyMap<string, string>,
  refs: readonly GraphAssetRefs[] = [],
): DagGraphModel {
  const nodes = new Map<string, DagGraphNode>();
  const edges = new Map<string, DagGraphEdge>();
  const addEdge = (from: string, to: string) => {
    if (from !== to) edges.set(`${from}\u0000${to}`, { from, to });
  };
  const refsOf = new Map(refs.map((r) => [r.uri, r]));
  const taskIds = new Set(tasks.map((t) => t.taskId));

  for (const t of tasks)
    nodes.set(taskNodeId(t.taskId), {
      id: taskNodeId(t.taskId),
      kind: 'task',
      label: t.taskId,
      state: states.get(t.taskId) ?? 'none',
    });
  for (const t of tasks)
    for (const up of t.upstream) if (taskIds.has(up)) addEdge(taskNodeId(up), taskNodeId(t.taskId));

  const addAsset = (uri: string) => {
    nodes.set(assetNodeId(uri), { id: assetNodeId(uri), kind: 'asset', label: uri });
  };
  const addDag = (id: string) => {
    nodes.set(dagNodeId(id), { id: dagNodeId(id), kind: 'dag', label: id });
  };

  for (const t of tasks)
    for (const uri of t.outlets) {
      addAsset(uri);
      addEdge(taskNodeId(t.taskId), assetNodeId(uri));
      for (const consumer of refsOf.get(uri)?.consumerDagIds ?? [])
        if (consumer !== dagId) {
          addDag(consumer);
          addEdge(assetNodeId(uri), dagNodeId(consumer));
        }
    }

  const roots = tasks.filter((t) => !t.upstream.some((u) => taskIds.has(u)));
  for (const uri of scheduleAssets) {
    addAsset(uri);
    for (const r of roots) addEdge(assetNodeId(uri), taskNodeId(r.taskId));
    for (const producer of refsOf.get(uri)?.producerDagIds ?? [])
      if (producer !== dagId) {
        addDag(producer);
        addEdge(dagNodeId(producer), assetNodeId(uri));
      }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
