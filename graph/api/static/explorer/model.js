// What the explorer knows of the lineage graph, and which part of it is drawn.
// Known: nodes and edges from lineage answers, and for each node and side whether all of its
// neighbours there are known. Drawn: a bounded subset, grown one hop and one side at a time; a
// side with more than FAN_OUT hidden neighbours is drawn as one "N more" node that pages.

export const FAN_OUT = 50;          // more hidden neighbours than this: one "N more" node, paged FAN_OUT at a time
export const FIRST_PAINT = 300;     // nodes drawn at most when a node is opened
const FIRST_HOPS = 4;               // graph hops drawn each side when a node is opened (two dataset hops)

export const UP = "up";
export const DOWN = "down";

export class LineageModel {
  constructor() {
    this.nodes = new Map();        // id -> lineage node
    this.sides = { up: new Map(), down: new Map() };  // id -> Set of neighbour ids on that side
    this.known = new Set();        // "side|id": every neighbour on that side is known
    this.drawn = new Set();        // ids drawn
    this.domains = new Map();      // dataset id -> domain name (null: none)
    this.columnsShown = new Set(); // dataset ids whose columns are drawn
    this.columns = new Map();      // dataset id -> [column nodes]
    this.columnEdges = new Map();  // "source|target" -> edge between columns
    this.focus = null;
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

  // Merges a lineage answer walked UPSTREAM or DOWNSTREAM. `complete` names the nodes whose
  // neighbours on the walk's side the answer holds all of (null: every node it reached, for a walk
  // that was not cut short); a truncated answer vouches for none.
  merge(answer, direction, complete = null) {
    for (const node of answer.nodes) this.addNode(node);
    for (const edge of answer.edges) {
      if (edge.kind === "READS" || edge.kind === "WRITES") this.addEdge(edge.source, edge.target);
    }
    if (answer.truncated) return;
    const side = direction === "UPSTREAM" ? UP : DOWN;
    for (const id of complete || answer.nodes.map((n) => n.id)) this.known.add(`${side}|${id}`);
  }

  // The hidden neighbours of a drawn node on one side, in a stable order; null when not all known.
  hidden(id, side) {
    if (!this.known.has(`${side}|${id}`)) return null;
    return [...this.neighbours(id, side)].filter((n) => !this.drawn.has(n)).sort();
  }

  // Draws the next page of a side's hidden neighbours: all of them up to FAN_OUT, else FAN_OUT.
  reveal(id, side) {
    const hidden = this.hidden(id, side) || [];
    const page = hidden.slice(0, FAN_OUT);
    for (const n of page) this.drawn.add(n);
    return page;
  }

  // A node opened: itself and a few hops each side, every side of at most FAN_OUT neighbours
  // drawn whole, bigger ones left as one "N more" node, at most FIRST_PAINT nodes in all.
  open(id) {
    this.focus = id;
    this.drawn = new Set([id]);
    for (const side of [UP, DOWN]) {
      let frontier = [id];
      for (let hop = 0; hop < FIRST_HOPS && frontier.length; hop++) {
        const next = [];
        for (const n of frontier) {
          const hidden = this.hidden(n, side);
          if (!hidden || hidden.length > FAN_OUT || this.drawn.size + hidden.length > FIRST_PAINT) continue;
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

