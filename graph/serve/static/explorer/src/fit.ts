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
  const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const children = new Map<string, any[]>();
  for (const a of affected) (children.get(a.via) || children.set(a.via, []).get(a.via)).push(a);
  for (const list of children.values()) list.sort((a, b) => a.distance - b.distance || byId(a, b));
  const preorder = new Map<string, number>();
  const stack = [changed];
  while (stack.length) {
    const id = stack.pop();
    if (preorder.has(id)) continue;
    preorder.set(id, preorder.size);
    const next = children.get(id) || [];
    for (let i = next.length - 1; i >= 0; i--) if (!preorder.has(next[i].id)) stack.push(next[i].id);
  }
  const place = (a) => preorder.get(a.id) ?? Infinity;
  return [...affected].sort((a, b) => a.distance - b.distance || place(a) - place(b) || byId(a, b));
}
