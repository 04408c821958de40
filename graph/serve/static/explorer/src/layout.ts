// The explorer's own layered layout, upstream left and downstream right: a node's rank is its
// longest path from a source, pulled right next to its nearest downstream node; rows are ordered
// by a few sweeps of neighbour medians, then packed. Linear in the drawing (a few passes over
// nodes and edges): dagre's network simplex and crossing minimisation held the page's main thread
// 0.5-2 s for a few hundred nodes, this takes milliseconds.

export type Box = { w: number; h: number };
export type Placed = Map<string, { x: number; y: number }>;

const SWEEPS = 4;  // median sweeps, alternately left to right and back

// Positions (centres) of `nodes` (id → its size) joined by `edges` ([source, target]): a column
// per rank `rankGap` apart (plus the widest node), nodes of a column `rowGap` apart.
export function layered(nodes: Map<string, Box>, edges: [string, string][], rankGap: number, rowGap: number): Placed {
  const ids = [...nodes.keys()];
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const into = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [s, t] of edges) {
    if (s === t || !nodes.has(s) || !nodes.has(t)) continue;
    out.get(s).push(t);
    into.get(t).push(s);
  }
  const order = topological(ids, out, into);
  const position = new Map(order.map((id, i) => [id, i]));
  const forward = (s: string, t: string) => position.get(s) < position.get(t);  // an edge not closing a cycle
  // longest path from the sources, then each node that feeds others pulled right to sit one rank
  // before its nearest downstream node (a lone source does not hang at the far left)
  const rank = new Map<string, number>();
  for (const id of order) rank.set(id, Math.max(0, ...into.get(id).filter((s) => forward(s, id)).map((s) => rank.get(s) + 1)));
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i];
    const next = out.get(id).filter((t) => forward(id, t));
    if (next.length) rank.set(id, Math.max(rank.get(id), Math.min(...next.map((t) => rank.get(t))) - 1));
  }
  const columns: string[][] = [];
  for (const id of order) (columns[rank.get(id)] ||= []).push(id);
  for (let i = 0; i < columns.length; i++) columns[i] ||= [];
  const row = new Map<string, number>();
  const renumber = (column: string[]) => column.forEach((id, i) => row.set(id, i));
  columns.forEach(renumber);
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const rightward = sweep % 2 === 0;
    const range = rightward ? columns.map((_, i) => i).slice(1) : columns.map((_, i) => i).reverse().slice(1);
    for (const c of range) {
      const fixed = rightward ? into : out;
      const keyed = columns[c].map((id, i) => {
        const near = fixed.get(id).filter((n) => rank.get(n) === c + (rightward ? -1 : 1)).map((n) => row.get(n)).sort((a, b) => a - b);
        return { id, key: near.length ? median(near) : i, i };
      });
      keyed.sort((a, b) => a.key - b.key || a.i - b.i);
      columns[c] = keyed.map((k) => k.id);
      renumber(columns[c]);
    }
  }
  // x by rank; y: each column centred on 0, then nudged towards its left neighbours' rows
  const width = Math.max(0, ...[...nodes.values()].map((b) => b.w));
  const placed: Placed = new Map();
  columns.forEach((column, c) => {
    const heights = column.map((id) => nodes.get(id).h);
    const total = heights.reduce((a, h) => a + h, 0) + rowGap * Math.max(0, column.length - 1);
    let y = -total / 2;
    const wanted = column.map((id, i) => {
      const ys = into.get(id).map((s) => placed.get(s)?.y).filter((v) => v !== undefined);
      const centre = y + heights[i] / 2;
      y += heights[i] + rowGap;
      return ys.length ? (Math.min(...ys) + Math.max(...ys)) / 2 : centre;
    });
    const ys = pack(wanted, heights, rowGap);
    column.forEach((id, i) => placed.set(id, { x: c * (width + rankGap), y: ys[i] }));
  });
  return placed;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// The nodes in an order where every edge not closing a cycle goes forward (Kahn's, a cycle broken
// at its node seen first).
function topological(ids: string[], out: Map<string, string[]>, into: Map<string, string[]>): string[] {
  const waiting = new Map(ids.map((id) => [id, into.get(id).length]));
  const done = new Set<string>();
  const order: string[] = [];
  const queue = ids.filter((id) => waiting.get(id) === 0);
  let next = 0;
  for (let guard = 0; order.length < ids.length && guard <= ids.length; guard++) {
    while (next < queue.length) {
      const id = queue[next++];
      if (done.has(id)) continue;
      done.add(id);
      order.push(id);
      for (const t of out.get(id)) {
        waiting.set(t, waiting.get(t) - 1);
        if (waiting.get(t) === 0) queue.push(t);
      }
    }
    const stuck = ids.find((id) => !done.has(id));  // on a cycle
    if (stuck !== undefined) queue.push(stuck);
  }
  return order;
}

// Row centres as near `wanted` as the order and the gaps allow: each pushed down below the one
// above, then the block shifted up by half the total push so it stays centred where wanted.
function pack(wanted: number[], heights: number[], gap: number): number[] {
  const ys: number[] = [];
  for (let i = 0; i < wanted.length; i++) {
    const floor = i ? ys[i - 1] + heights[i - 1] / 2 + gap + heights[i] / 2 : -Infinity;
    ys.push(Math.max(wanted[i], floor));
  }
  if (!ys.length) return ys;
  const drift = (ys.reduce((a, y) => a + y, 0) - wanted.reduce((a, y) => a + y, 0)) / ys.length;
  return ys.map((y) => y - drift);
}
