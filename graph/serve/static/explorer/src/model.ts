// What the explorer knows of the lineage graph, and which part of it is drawn.
// Known: nodes and edges from lineage answers, and for each node and side whether all of its
// neighbours there are known. Drawn: a bounded subset, grown one hop and one side at a time; a
// side with more than CLUSTER_MIN hidden neighbours, all known, is drawn as clusters of them (by
// kind, then domain or else namespace) that draw FAN_OUT at a time; one not all known, above
// FAN_OUT, as one "N more" node that pages.

import type { ColumnPath } from "./columnpath.js";

export const FAN_OUT = 50;          // more hidden neighbours than this: one "N more" node, paged FAN_OUT at a time
export const FIRST_PAINT = 300;     // nodes drawn at most when a node is opened
export const CLUSTER_MIN = 25;      // more hidden neighbours on a side than this: drawn as clusters
const MERGE_CHUNK = 5000;           // nodes or edges of an answer merged a task

export const UP: Side = "up";
export const DOWN: Side = "down";

// A node as lineage answers give it (with the facts the server offers), or a column the panel read.
export type LineageNode = {
  id: string; kind: string; namespace?: string | null; name?: string | null; dataset?: string | null;
  deleted?: boolean; declared?: boolean; upstreamCount?: number; downstreamCount?: number;
  domain?: string | null; latestRunState?: string | null; [fact: string]: unknown;
};
// The id of the dataset holding a column (null when the column's answer did not say).
export function datasetOf(column: { namespace?: string | null; dataset?: string | null }): string | null {
  return column.namespace && column.dataset ? `dataset:${column.namespace}:${column.dataset}` : null;
}

export type Side = "up" | "down";
export type Cluster = { key: string; kind: string; by: string; name: string; members: string[] };

export class LineageModel {
  nodes: Map<string, LineageNode>;
  sides: Record<Side, Map<string, Set<string>>>;
  known: Set<string>;
  drawn: Set<string>;
  domains: Map<string, string | null>;
  health: Map<string, string | null>;
  columnsShown: Set<string>;
  columns: Map<string, any[]>;
  columnEdges: Map<string, any>;
  cursors: Map<string, string | null>;
  focus: string | null;
  path: ColumnPath | null;
  route: { from: string; to: string; nodes: Set<string>; edges: Set<string> } | null;

  constructor() {
    this.nodes = new Map();        // id -> lineage node
    this.sides = { up: new Map(), down: new Map() };  // id -> Set of neighbour ids on that side
    this.known = new Set();        // "side|id": every neighbour on that side is known
    this.drawn = new Set();        // ids drawn
    this.domains = new Map();      // dataset id -> domain name (null: none)
    this.health = new Map();       // dataset id -> health status (null: not known)
    this.columnsShown = new Set(); // dataset ids whose columns are drawn
    this.columns = new Map();      // dataset id -> [column nodes]
    this.columnEdges = new Map();  // "source|target" -> edge between columns
    this.cursors = new Map();      // "side|id" -> cursor after the last page of neighbours fetched
    this.focus = null;
    this.path = null;              // the column path drawn (columnpath.ts)
    this.route = null;             // the paths drawn between two nodes: { from, to, nodes, edges }
  }

  // Forgets everything: what is known of the graph at one moment is not another's.
  clear() {
    Object.assign(this, new LineageModel());
  }

  neighbours(id, side) {
    return this.sides[side].get(id) || new Set();
  }

  addNode(node) {
    const had = this.nodes.get(node.id);
    this.nodes.set(node.id, had ? { ...had, ...node } : node);
  }

  addEdge(source, target) {
    if (!this.sides.down.has(source)) this.sides.down.set(source, new Set());
    if (!this.sides.up.has(target)) this.sides.up.set(target, new Set());
    this.sides.down.get(source).add(target);
    this.sides.up.get(target).add(source);
  }

  // Merges a lineage answer walked UPSTREAM or DOWNSTREAM from `root`, `depth` dataset hops. It holds
  // every neighbour on the walk's side of the nodes nearer than its last hop (graph hops: a dataset
  // hop is two; from a job the first is one). `truncated` also says the depth left nodes out; a walk
  // that stopped short of its last hop was cut by a server budget, and then vouches for none.
  merge(answer, direction, root, depth) {
    for (const node of answer.nodes) this.addNode(node);
    for (const edge of answer.edges) {
      if (edge.kind === "READS" || edge.kind === "WRITES") this.addEdge(edge.source, edge.target);
    }
    this.vouch(answer, direction, root, depth);
  }

  // merge, MERGE_CHUNK nodes or edges a task: a hub's whole lineage on a 100k mesh (tens of
  // thousands of nodes) held the page's main thread for a second as one task.
  async mergeInTasks(answer, direction, root, depth) {
    const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
    for (let i = 0; i < answer.nodes.length; i += MERGE_CHUNK) {
      for (const node of answer.nodes.slice(i, i + MERGE_CHUNK)) this.addNode(node);
      await pause();
    }
    for (let i = 0; i < answer.edges.length; i += MERGE_CHUNK) {
      for (const edge of answer.edges.slice(i, i + MERGE_CHUNK)) {
        if (edge.kind === "READS" || edge.kind === "WRITES") this.addEdge(edge.source, edge.target);
      }
      await pause();
    }
    this.vouch(answer, direction, root, depth);
  }

  // The sides of `answer`'s nodes it holds whole (see merge).
  vouch(answer, direction, root, depth) {
    const side = direction === "UPSTREAM" ? UP : DOWN;
    // depth null: as deep as the server went (a truncated answer then vouches for nothing)
    const limit = depth === null ? Infinity : this.nodes.get(root)?.kind === "JOB" ? 2 * depth - 1 : 2 * depth;
    const inAnswer = new Set(answer.nodes.map((n) => n.id));
    const layers = [[root]];
    const seen = new Set([root]);
    while (layers.length <= limit) {
      const next = layers[layers.length - 1].flatMap((id) => [...this.neighbours(id, side)].filter((n) => inAnswer.has(n) && !seen.has(n)));
      if (!next.length) break;
      for (const id of next) seen.add(id);
      layers.push(next);
    }
    if (answer.truncated && layers.length <= limit) return;
    for (const layer of layers.slice(0, limit)) for (const id of layer) this.known.add(`${side}|${id}`);
  }

  // Merges one page of a node's neighbours (the `neighbours` query); `last`: no page follows.
  mergePage(id, side, page, last) {
    for (const node of page.nodes) {
      this.addNode(node);
      if (side === UP) this.addEdge(node.id, id); else this.addEdge(id, node.id);
    }
    this.cursors.set(`${side}|${id}`, page.pageInfo.endCursor);
    if (last) this.known.add(`${side}|${id}`);
  }

  // Direct neighbours on one side the server counted (null: it does not count them).
  count(id, side) {
    const value = this.nodes.get(id)?.[side === UP ? "upstreamCount" : "downstreamCount"];
    return typeof value === "number" ? value : null;
  }

  // How many neighbours of a drawn node on one side are not drawn; null when unknown.
  hiddenCount(id, side) {
    const hidden = this.hidden(id, side);
    if (hidden !== null) return hidden.length;
    const total = this.count(id, side);
    if (total === null) return null;
    const drawn = [...this.neighbours(id, side)].filter((n) => this.drawn.has(n)).length;
    return Math.max(total - drawn, 0);
  }

  // Whether every neighbour of a node on one side is known: a walk vouched for it, or as many are
  // known as the server counts.
  isKnown(id, side) {
    if (this.known.has(`${side}|${id}`)) return true;
    const total = this.count(id, side);
    return total !== null && this.neighbours(id, side).size >= total;
  }

  // The hidden neighbours of a drawn node on one side, in a stable order; null when not all known.
  hidden(id, side) {
    if (!this.isKnown(id, side)) return null;
    return [...this.neighbours(id, side)].filter((n) => !this.drawn.has(n)).sort();
  }

  // A side's hidden neighbours as clusters, when more than CLUSTER_MIN and all known (else null):
  // by kind, then domain (else namespace), each { key, kind, by, name, members } with its
  // members in a stable order; the biggest first.
  clusters(id, side) {
    const hidden = this.hidden(id, side);
    if (!hidden || hidden.length <= CLUSTER_MIN) return null;
    const groups = new Map();
    for (const member of hidden) {
      const node: Partial<LineageNode> = this.nodes.get(member) || {};
      const domain = node.domain !== undefined ? node.domain : this.domains.get(member);
      const [by, name] = domain ? ["domain", domain] : ["namespace", node.namespace || "?"];
      const key = `${node.kind}|${by}|${name}`;
      if (!groups.has(key)) groups.set(key, { key, kind: node.kind, by, name, members: [] });
      groups.get(key).members.push(member);
    }
    return [...groups.values()].sort((a, b) => b.members.length - a.members.length || a.key.localeCompare(b.key));
  }

  // Draws the next FAN_OUT members of one of a side's clusters (`key`); returns them.
  revealCluster(id, side, key) {
    const cluster = (this.clusters(id, side) || []).find((c) => c.key === key);
    const page = cluster ? cluster.members.slice(0, FAN_OUT) : [];
    for (const n of page) this.drawn.add(n);
    return page;
  }

  // Draws the next page of a side's hidden neighbours: all of them up to FAN_OUT, else FAN_OUT.
  reveal(id, side) {
    const hidden = this.hidden(id, side) || [];
    const page = hidden.slice(0, FAN_OUT);
    for (const n of page) this.drawn.add(n);
    return page;
  }

  // A node opened: itself and `depth` dataset hops each side (null: all known), every side of at
  // most FAN_OUT neighbours drawn whole, bigger ones left as one "N more" badge, at most
  // FIRST_PAINT nodes in all.
  open(id, depth = 2) {
    this.focus = id;
    this.drawn = new Set([id]);
    this.path = null;
    const hops = depth === null ? Infinity : 2 * depth;
    for (const side of [UP, DOWN]) {
      let frontier = [id];
      for (let hop = 0; hop < hops && frontier.length; hop++) {
        const next = [];
        for (const n of frontier) {
          const hidden = this.hidden(n, side);
          // a big side stays clustered (drawn as a few cluster nodes), as does one past FIRST_PAINT
          if (!hidden || hidden.length > CLUSTER_MIN || this.drawn.size + hidden.length > FIRST_PAINT) continue;
          for (const h of hidden) this.drawn.add(h);
          next.push(...hidden);
        }
        frontier = next;
      }
    }
  }

  drawnEdges() {
    const edges = [];
    for (const source of this.drawn) {
      for (const target of this.neighbours(source, DOWN)) {
        if (this.drawn.has(target)) edges.push({ source, target });
      }
    }
    return edges;
  }
}

