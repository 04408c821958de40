// A column's path as the explorer draws it, from one `columnPath` answer: the datasets it crosses,
// each with only its columns on the path (its other columns one "+N columns" node), the path's
// column edges and nothing else; a path over PATH_DRAWN datasets opens on the nearest ones, the rest
// as clusters by side and domain (else namespace) that draw FAN_OUT at a time.

import { plural } from "./labels.js";
import { DOWN, FAN_OUT, UP } from "./model.js";
import type { Side } from "./model.js";
import type { PathRow } from "./panel.js";

export const PATH_DRAWN = 50;  // datasets a path opens with, nearest first; the rest in clusters

export type PathGroup = { columns: any[]; other: number; distance: number };
export type PathCluster = { key: string; side: Side | null; by: string; name: string; members: string[] };

export type ColumnPath = {
  column: string;
  dataset: string | null;              // the start column's dataset
  nodes: Set<string>;                  // the path's column ids
  edges: Set<string>;                  // "source|target" of the path's edges
  edgeList: { source: string; target: string; kind: string }[];
  links: [string, string][];           // dataset → dataset the path's edges join (for the layout)
  groups: Map<string, PathGroup>;      // dataset id → its columns on the path
  sides: Map<string, Side | null>;     // dataset id → upstream or downstream of the start (null: its own)
  datasets: any[];                     // the datasets, nearest first
  hidden: string[];                    // datasets not drawn yet, nearest first
  more: number;                        // datasets the server's budget left out
  moreColumns: number;
  truncated: boolean;
};

// The path kept from the server's answer, none of it drawn yet (`hidden` holds every dataset).
export function pathOf(columnId: string, answer): ColumnPath {
  const columns = new Map<string, any>(answer.columns.map((c) => [c.id, { ...c, kind: "COLUMN" }]));
  const owner = new Map<string, string>();
  const groups = new Map<string, PathGroup>();
  answer.groups.forEach((g) => {
    const kept = g.columns.map((id) => columns.get(id)).filter(Boolean);
    kept.forEach((c, i) => { c.order = i; owner.set(c.id, g.dataset); });
    groups.set(g.dataset, { columns: kept, other: g.otherColumns, distance: g.distance });
  });
  const datasetOf = (id) => owner.get(id) || (groups.has(id) ? id : null);
  const up = reach(columnId, answer.edges, "target", "source");
  const down = reach(columnId, answer.edges, "source", "target");
  const sides = new Map<string, Side | null>();
  for (const d of answer.datasets) {
    const ids = [d.id, ...(groups.get(d.id)?.columns || []).map((c) => c.id)];
    sides.set(d.id, ids.includes(columnId) ? null : ids.some((id) => up.has(id)) ? UP : ids.some((id) => down.has(id)) ? DOWN : null);
  }
  const links = new Map<string, [string, string]>();
  for (const e of answer.edges) {
    const [a, b] = [datasetOf(e.source), datasetOf(e.target)];
    if (a && b && a !== b) links.set(`${a}|${b}`, [a, b]);
  }
  return { column: columnId, dataset: owner.get(columnId) || null, nodes: new Set(columns.keys()),
    edges: new Set(answer.edges.map((e) => `${e.source}|${e.target}`)), edgeList: answer.edges, links: [...links.values()],
    groups, sides, datasets: answer.datasets, hidden: answer.datasets.map((d) => d.id), more: answer.moreDatasets,
    moreColumns: answer.moreColumns, truncated: answer.truncated };
}

// The ids reachable from `start` over the edges, from each edge's `from` end to its `to` end.
function reach(start: string, edges, from: string, to: string): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e[from])) next.set(e[from], []);
    next.get(e[from]).push(e[to]);
  }
  const found = new Set<string>();
  const frontier = [start];
  while (frontier.length) {
    for (const id of next.get(frontier.pop()) || []) {
      if (!found.has(id)) { found.add(id); frontier.push(id); }
    }
  }
  return found;
}

// Takes the datasets to draw off `hidden`: `count` nearest (of `members` only, when given).
export function reveal(path: ColumnPath, count: number, members: string[] | null = null): string[] {
  const wanted = new Set(members || path.hidden);
  const taken = path.hidden.filter((id) => wanted.has(id)).slice(0, count);
  const gone = new Set(taken);
  path.hidden = path.hidden.filter((id) => !gone.has(id));
  return taken;
}

// The datasets not drawn yet as clusters: by side of the start, then domain, else namespace.
export function clusters(path: ColumnPath): PathCluster[] {
  const byKey = new Map<string, PathCluster>();
  const dataset = new Map(path.datasets.map((d) => [d.id, d]));
  for (const id of path.hidden) {
    const d = dataset.get(id);
    const side = path.sides.get(id) ?? null;
    const [by, name] = d?.domain ? ["domain", d.domain] : ["namespace", d?.namespace || "?"];
    const key = `${side || "own"}:${by}:${name}`;
    if (!byKey.has(key)) byKey.set(key, { key, side, by, name, members: [] });
    byKey.get(key).members.push(id);
  }
  return [...byKey.values()].sort((a, b) => b.members.length - a.members.length || a.key.localeCompare(b.key));
}

// The cluster nodes of a path's undrawn datasets, joined to the start's dataset (`anchor`) on
// their side; a click draws FAN_OUT of one.
export function clusterElements(path: ColumnPath, anchor: string | null, colour: (domain: string | null) => string) {
  const elements = [];
  for (const cluster of clusters(path)) {
    const id = `pcluster|${cluster.key}`;
    const count = `${plural("dataset", cluster.members.length)} of the path in ${cluster.by} ${cluster.name}`;
    const short = `${cluster.members.length} · ${cluster.name}`;  // the count and the name fit; the tip says the rest
    const label = cluster.side === UP ? `◀ ${short}` : cluster.side === DOWN ? `${short} ▶` : short;
    elements.push({ group: "nodes", classes: "cluster path-cluster",
      data: { id, label, kind: "CLUSTER", colour: colour(cluster.by === "domain" ? cluster.name : null),
        domain: cluster.by === "domain" ? cluster.name : null,
        tip: `${count}: click to draw ${Math.min(FAN_OUT, cluster.members.length)}`, pathCluster: cluster.key } });
    if (anchor) {
      const [source, target] = cluster.side === UP ? [id, anchor] : [anchor, id];
      elements.push({ group: "edges", data: { id: `k|${source}|${target}`, source, target }, classes: "cluster" });
    }
  }
  return elements;
}

// The members of the cluster `key`, nearest first.
export function clusterMembers(path: ColumnPath, key: string): string[] {
  return clusters(path).find((c) => c.key === key)?.members || [];
}

// The status line of a drawn path: what it crosses, what is drawn, what waits or was left out.
export function summary(path: ColumnPath, drawn: Set<string>): string {
  const drawnDatasets = path.datasets.filter((d) => drawn.has(d.id)).length;
  const columns = [...path.groups.values()].reduce((sum, g) => sum + g.columns.length, 0);
  const more = path.more ? `; ${plural("more dataset", path.more)} (${plural("column", path.moreColumns)}) past the server's budget` : "";
  return `column path of ${path.column.split(":").pop()}: ${plural("dataset", path.datasets.length)} and ${plural("column", columns)}, `
    + `${plural("dataset", drawnDatasets)} drawn${path.hidden.length ? `, ${path.hidden.length} in clusters` : ""}${more}${path.truncated ? " (partial)" : ""}`;
}

// `label…` in the status line from the first 100 ms of `work`, with the seconds it has taken.
export async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
  const began = performance.now();
  const status = (text: string) => { document.getElementById("status").textContent = text; };
  status(`${label}…`);
  const graph = document.getElementById("graph");
  graph.dataset.loading = label;
  const ticking = setInterval(() => status(`${label}… ${((performance.now() - began) / 1000).toFixed(1)} s`), 100);
  try {
    return await work;
  } finally {
    clearInterval(ticking);
    delete graph.dataset.loading;
  }
}

// A column path's datasets by side, nearest first, each with the path's columns in it (the panel's list).
export function pathRows(path: ColumnPath): { up: PathRow[]; down: PathRow[] } {
  const rows = { up: [], down: [] };
  for (const d of path.datasets) {
    const side = path.sides.get(d.id);
    const group = path.groups.get(d.id);
    if (side && group) rows[side].push({ dataset: d.id, name: d.name || d.id, columns: group.columns.map((c) => c.name), distance: group.distance });
  }
  return rows;
}
