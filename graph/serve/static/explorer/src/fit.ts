// A new view opens readable and whole on screen: when all it would draw does not fit the window
// with labels readable (view.ts `fits`), it draws the nearest part that does — the nodes nearest
// its focus, as many as fit — and the rest waits behind the "+N" badges and clusters of what is
// drawn. Nearest: by hops from the focus over the edges drawn (a column path's datasets come with
// their own distance; an impact's nodes with theirs and the paths that reach them, nearestByVia).

// Of `order` (every id to draw, nearest first), the longest prefix `fitsWith` accepts, found by
// halving, each try a task of its own (a try lays the drawing out: the page answers between);
// at least the first id. `most`: no more than this many can fit (the window's cells), where the
// halving starts.
export async function nearestThatFit(order: string[], fitsWith: (kept: Set<string>) => boolean, most = Infinity): Promise<Set<string>> {
  const all = new Set(order);
  if (order.length <= 1 || (order.length <= most && fitsWith(all))) return all;
  let low = 1;                                          // a prefix of this many fits (or is the least drawn)
  let high = Math.min(order.length - 1, Math.floor(most));  // the longest prefix that may still fit
  while (low < high) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const mid = (low + high + 1) >> 1;
    if (fitsWith(new Set(order.slice(0, mid)))) low = mid;
    else high = mid - 1;
  }
  return new Set(order.slice(0, low));
}

// The ids of `drawn`, nearest `focus` first: breadth first over `neighbours` (both sides), the
// order neighbours come in kept; ids not reached last, in their order.
export function byHops(focus: string, drawn: Set<string>, neighbours: (id: string) => Iterable<string>): string[] {
  const order = drawn.has(focus) ? [focus] : [];
  const seen = new Set(order);
  for (let i = 0; i < order.length; i++) {
    for (const next of neighbours(order[i])) {
      if (drawn.has(next) && !seen.has(next)) { seen.add(next); order.push(next); }
    }
  }
  for (const id of drawn) if (!seen.has(id)) order.push(id);
  return order;
}

// The status line's note on a view that opened on its nearest part.
export function cutNote(kept: number, total: number, rest = "behind + badges and clusters"): string {
  return kept < total ? `; the nearest ${kept} of ${total} drawn to fit the window readably, the rest ${rest}` : "";
}

// The affected nearest first (by hops), and of one distance in the order of the paths they are
// reached by (`via`: a job, then what it writes), so the nearest drawn are joined to each other.
export function nearestByVia(changed: string, affected: any[]): any[] {
  // thousands affected (a hub's column: ~14k on a 10k mesh): sorted by numbers, not by closures
  // looking ids up, which held the main thread ~50 ms there
  const n = affected.length;
  const distance = new Float64Array(n);
  const children = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    distance[i] = affected[i].distance;
    const list = children.get(affected[i].via);
    if (list) list.push(i); else children.set(affected[i].via, [i]);
  }
  const byId = (i: number, j: number) => (affected[i].id < affected[j].id ? -1 : affected[i].id > affected[j].id ? 1 : 0);
  for (const list of children.values()) if (list.length > 1) list.sort((i, j) => distance[i] - distance[j] || byId(i, j));
  const preorder = new Map<string, number>();
  const stack = [changed];
  while (stack.length) {
    const id = stack.pop();
    if (preorder.has(id)) continue;
    preorder.set(id, preorder.size);
    const next = children.get(id);
    if (next) for (let k = next.length - 1; k >= 0; k--) if (!preorder.has(affected[next[k]].id)) stack.push(affected[next[k]].id);
  }
  const place = new Float64Array(n);
  for (let i = 0; i < n; i++) place[i] = preorder.get(affected[i].id) ?? Infinity;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => distance[i] - distance[j] || place[i] - place[j] || byId(i, j));
  return order.map((i) => affected[i]);
}
