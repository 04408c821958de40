// Drawing with cytoscape.js, upstream left and downstream right. A node opened is laid out once
// (layout.ts; a drawing wider than the window wrapped into lanes) and shown at a readable zoom
// (labels at least READABLE_PX tall on screen) clear of the toolbar, legend and minimap; what is added
// afterwards (an expansion, a page of "N more", columns) is placed beside the node it hangs from,
// and nothing already drawn moves, nor does the zoom (the pan follows new nodes off the edge).
// Hidden neighbours are a "+N" badge on the side of their node (◀ upstream, ▶ downstream), not a
// node of their own.

// the vendored libraries are served by lineagemesh (graph/serve/static/vendor), not bundled; untyped
// @ts-expect-error: a URL the browser loads, no module the type checker can see
import cytoscape from "/static/vendor/cytoscape/cytoscape.esm.min.js";
import { layered } from "./layout.js";
import { colours, onThemeChange } from "./theme.js";

export const FONT_PX = 13;            // a node label's font size at zoom 1
export const READABLE_PX = 11;        // the smallest label height the first view shows
const NODE_W = 190;
export const LABEL_W = NODE_W - 14;  // a node's label's width at most (labels.ts breaks it into lines)
export const CLUSTER_LABEL_W = NODE_W + 36;  // a cluster's (bold), in up to three lines
const NODE_H = 36;
const CLUSTER_H = NODE_H + 14;  // a cluster's box: three lines of its label
const COLUMN_H = 22;
const PARENT_PAD = 6;                 // a dataset drawn with columns: its padding below the last
const RANK_GAP = 90;                  // between the columns of upstream and downstream nodes
const ROW_GAP = 22;                   // between nodes of one column (the badges straddle it)
const DRAWN_DATA = ["label", "colour", "domain", "tip", "kind", "order", "health"];  // the data the style or tests read
const MIN_ZOOM = (READABLE_PX + 0.3) / FONT_PX;  // a little above, so rounding never reads below

function style(c) {
  return [
    { selector: "node", style: {
      label: "data(label)", "font-size": FONT_PX, "text-valign": "center", "text-halign": "center", "text-wrap": "ellipsis",
      "text-max-width": LABEL_W, width: NODE_W, height: NODE_H, "background-color": "data(colour)", "border-width": 1,
      "border-color": c.border, color: c.text, "min-zoomed-font-size": 0 } },
    { selector: "node.DATASET", style: { shape: "round-rectangle" } },
    { selector: "node.named", style: { "text-wrap": "wrap", "line-height": 1.1 } },
    { selector: "node.JOB", style: { shape: "ellipse", "border-style": "double", "border-width": 3, height: NODE_H - 2 } },
    // product lineage (products.ts): a product, and the box of a link's ports between two products
    { selector: "node.DATA_PRODUCT", style: { shape: "round-rectangle", "border-width": 2 } },
    { selector: "node.PORTS", style: { shape: "rectangle", height: "data(h)", "background-color": c.job } },
    { selector: "node.declared-only", style: { "border-style": "dashed", "border-width": 2 } },
    { selector: "node.observed-only", style: { "border-style": "dotted", "border-width": 2 } },
    { selector: "edge.declared-only", style: { "line-style": "dashed" } },
    { selector: "edge.observed-only", style: { "line-style": "dotted" } },
    { selector: "node.COLUMN", style: { shape: "rectangle", height: COLUMN_H - 2, width: NODE_W - 16, "font-size": FONT_PX,
      "background-color": c.column, "text-max-width": NODE_W - 24 } },
    { selector: "node.COLUMN.named", style: { shape: "round-rectangle", height: NODE_H, width: NODE_W, "text-max-width": LABEL_W } },
    { selector: "node.more-columns", style: { shape: "rectangle", height: COLUMN_H - 2, width: NODE_W - 16, "font-size": FONT_PX,
      "background-color": c.stubFill, "border-style": "dashed", color: c.mutedText, "text-max-width": NODE_W - 24 } },
    { selector: "node.focus", style: { "border-width": 3, "border-color": c.focus } },
    { selector: "node.deleted", style: { "border-color": c.bad, "border-style": "dashed", "border-width": 2 } },
    { selector: "node.undeclared", style: { "border-color": c.muted, "border-style": "dotted", "border-width": 2, color: c.mutedText } },
    { selector: "node.stub", style: { shape: "round-rectangle", width: 56, height: 18,
      "font-size": FONT_PX - 2, "background-color": c.stubFill, "border-style": "solid", "border-width": 1, "border-color": c.focus,
      color: c.focus, "font-weight": "bold", "z-index": 20, "text-max-width": 200 } },
    { selector: "node.cluster", style: { shape: "round-rectangle", width: NODE_W + 50, height: CLUSTER_H, "border-style": "double",
      "border-width": 4, "border-color": c.focus, "font-weight": "bold", "text-max-width": CLUSTER_LABEL_W } },
    { selector: "edge.cluster", style: { "line-style": "dashed", width: 2 } },
    { selector: "node:parent", style: { "text-valign": "top", "text-halign": "center", "text-margin-y": -2, padding: PARENT_PAD,
      "background-opacity": 0.45, shape: "round-rectangle" } },
    { selector: "node:selected", style: { "overlay-color": c.focus, "overlay-opacity": 0.18 } },
    { selector: "edge", style: { width: 1.5, "line-color": c.edge, "target-arrow-color": c.edge, "target-arrow-shape": "triangle",
      "curve-style": "bezier", "arrow-scale": 0.9 } },
    { selector: "edge.column", style: { "line-color": c.column_edge, "target-arrow-color": c.column_edge, width: 1, "z-index": 10 } },
    { selector: "edge.path", style: { "line-color": c.path, "target-arrow-color": c.path, width: 3, "z-index": 15 } },
    { selector: "edge.route", style: { "line-color": c.path, "target-arrow-color": c.path, width: 4, "z-index": 16 } },
    { selector: "node.route", style: { "border-color": c.path, "border-width": 3 } },
    { selector: "node.route-end", style: { "border-width": 5, "border-style": "double" } },
    { selector: "node.path", style: { "background-color": c.pathFill, "border-color": c.path, "border-width": 2 } },
    { selector: "node.BREAKING", style: { "border-color": c.bad, "border-width": 4 } },
    { selector: "node.WARNING", style: { "border-color": c.warn, "border-width": 4 } },
    { selector: "node.INFO", style: { "border-color": c.info, "border-width": 3 } },
    { selector: "node.uncertain", style: { "border-style": "dashed" } },
    { selector: "node.health-FAILING", style: { "underlay-color": c.bad, "underlay-opacity": 0.55, "underlay-padding": 5, "underlay-shape": "round-rectangle" } },
    { selector: "node.health-AT_RISK", style: { "underlay-color": c.warn, "underlay-opacity": 0.55, "underlay-padding": 5, "underlay-shape": "round-rectangle" } },
    { selector: "node.changed", style: { "background-color": c.bad, color: "#ffffff" } },
    { selector: "edge.impact", style: { "line-color": c.impact, "target-arrow-color": c.impact, width: 2 } },
    { selector: "edge.faint", style: { opacity: 0.3, width: 1 } },
  ];
}

export function createView(container, onTap) {
  const cy = cytoscape({ container, style: style(colours()), minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
  cy.on("tap", "node", (event) => onTap(event.target.data()));
  // badges follow their node when it is dragged
  cy.on("position", "node", (event) => { if (!event.target.hasClass("stub")) placeBadges(cy, event.target); });
  onThemeChange(() => cy.style(style(colours())));
  return cy;
}

// ---- drawing: what changed is added or removed, what stays keeps its place ---------------------

// Draws `elements`. `fresh`: a new view, laid out whole before cytoscape sees it and added a chunk
// per task (the page answers between chunks and paints what is there), shown at a readable zoom
// around `focus`; otherwise the drawn nodes keep their positions and new ones go beside their
// neighbours.
export async function draw(cy, elements, { fresh = false, focus = null, timed = (_phase: string) => {} } = {}) {
  if (fresh || cy.nodes().not(".stub").length === 0) return drawFresh(cy, elements, focus, timed);
  const wanted = new Map<string, any>(elements.map((e) => [e.data.id, e]));
  const before = new Map();
  cy.nodes().not(".stub").forEach((n) => { if (!n.isChild()) before.set(n.id(), { x: n.position("x"), box: bodyBox(n), parent: n.isParent() }); });
  const added = [];
  cy.batch(() => {
    cy.elements().forEach((el) => { if (!wanted.has(el.id())) el.remove(); });
    // parents before children, nodes before edges
    const order = [...wanted.values()].filter((e) => !LAYOUT_ONLY.test(e.classes || "")).sort((a, b) => rank(a) - rank(b));
    for (const e of order) {
      const existing = cy.getElementById(e.data.id);
      if (existing.length) {
        // touched only where it changed: every touch restyles the element
        if (DRAWN_DATA.some((key) => existing.data(key) !== (e.data[key] ?? existing.data(key)))) existing.data(e.data);
        else existing.data().node = e.data.node ?? existing.data().node;  // the latest facts, for the panel (not drawn)
        if (existing.classes().join(" ") !== (e.classes || "").split(" ").filter(Boolean).join(" ")) existing.classes(e.classes || "");
      } else {
        added.push(cy.add(e));
      }
    }
  });
  timed("update");
  const newNodes = cy.collection(added).nodes().not(".stub");
  const newTops = newNodes.filter((n) => !n.isChild());
  const slots = placeBeside(cy, newTops, before);
  // datasets drawn with columns anew, or with columns added (a path's "+N columns" opened)
  const grown = new Set(newNodes.filter((n) => n.isChild()).map((n) => n.parent().id()));
  const filling = cy.nodes(":parent").filter((p) => !before.get(p.id())?.parent || grown.has(p.id())).toArray();
  stackAll(cy, filling, slots);
  // a dataset whose columns were hidden goes back to its place
  for (const [id, was] of before) {
    const node = cy.getElementById(id);
    if (was.parent && node.length && !node.isParent()) node.position({ x: was.x, y: was.box.y1 + NODE_H / 2 });
  }
  // badges where they may have moved: those of the new nodes, the new badges' and the datasets
  // drawn with columns (a node moved has its badges moved with it)
  cy.batch(() => {  // one redraw for all the badges moved
    const owners = cy.collection(added).nodes(".stub").map((b) => cy.getElementById(b.data("stub").id));
    newTops.union(cy.collection(owners)).union(cy.nodes(":parent")).forEach((n) => placeBadges(cy, n));
  });
  follow(cy, newTops.map((n) => bodyBox(n)));
  timed("place");
  await nextFrame();
  return newNodes.map((n) => n.id());
}

const CHUNK = 50;  // elements added to cytoscape per task on a new view (each chunk styled and drawn in its frame)
const LAYOUT_ONLY = /(^| )path-link( |$)/;  // edges that place datasets (a column path's) but are not drawn

// Where a new view's elements go: laid out (layout.ts), each dataset's columns stacked inside it,
// then wrapped into lanes when wider than `area` allows at a readable zoom; each element's position
// (`at`), each top-level node's box (`slots`) and the datasets with columns (`kids`). Worked out
// on the elements: cytoscape is not touched.
function plan(elements, area = null) {
  const order = [...elements].sort((a, b) => rank(a) - rank(b));
  const nodes = order.filter((e) => e.group !== "edges");
  const tops = nodes.filter((e) => !e.data.parent && !e.data.stub);
  const sizes = new Map<string, { w: number; h: number }>(tops.map((e) => [e.data.id, sizeOf(e)]));
  const links: [string, string][] = order.filter((e) => e.group === "edges").map((e) => [e.data.source, e.data.target]);
  const placed = layered(sizes, links, RANK_GAP, ROW_GAP);
  const slots = new Map<string, any>();
  for (const [id, { x, y }] of placed) {
    const { w, h } = sizes.get(id);
    slots.set(id, { x, box: { x1: x - w / 2 - 1, x2: x + w / 2 + 1, y1: y - h / 2 - 1, y2: y + h / 2 + 1 } });
  }
  const kids = new Map<string, any[]>();
  for (const e of nodes) if (e.data.parent) (kids.get(e.data.parent) || kids.set(e.data.parent, []).get(e.data.parent)).push(e);
  const stacked = stackPlan([...kids.keys()].filter((id) => slots.has(id)).map((id) => ({ id, kids: kids.get(id) })), slots);
  const at = new Map<string, { x: number; y: number }>(placed);
  for (const [id, dy] of stacked.shifts) { const p = at.get(id); if (p) at.set(id, { x: p.x, y: p.y + dy }); }
  for (const [kid, position] of stacked.placed) at.set(kid.data.id, position);
  const wrapped = area ? columns(area, at, slots, kids) : new Set<string>();
  if (area) wrap(area, at, slots, kids);
  return { order, at, slots, kids, wrapped };
}

const COLUMN_GAP = 40;  // between the columns a tall rank is wrapped into

// Moves a node's slot by (dx, dy), and its position with those of the columns drawn inside it.
function moveSlot(id: string, dx: number, dy: number, at, slots, kids): void {
  const slot = slots.get(id);
  slot.x += dx;
  slot.box = { x1: slot.box.x1 + dx, x2: slot.box.x2 + dx, y1: slot.box.y1 + dy, y2: slot.box.y2 + dy };
  for (const moved of [id, ...(kids.get(id) || []).map((k) => k.data.id)]) {
    const p = at.get(moved);
    if (p) at.set(moved, { x: p.x + dx, y: p.y + dy });
  }
}

// A rank taller than the window is at a readable zoom is wrapped into columns side by side, each
// as tall as the window holds, top to bottom then left to right in the rank's order; the ranks
// right of it move right to make room. Moves `at` and `slots` (and the columns of a dataset drawn
// with them). Returns the ids so wrapped.
function columns(area, at, slots, kids): Set<string> {
  const wrappedIds = new Set<string>();
  const tallest = (area.y2 - area.y1) / MIN_ZOOM;
  const ranks = new Map<number, string[]>();
  for (const [id, slot] of slots) (ranks.get(slot.x) || ranks.set(slot.x, []).get(slot.x)).push(id);
  const move = (id, dx, dy) => moveSlot(id, dx, dy, at, slots, kids);
  let pushed = 0;  // how far this rank and those right of it move right
  for (const x of [...ranks.keys()].sort((a, b) => a - b)) {
    const ids = ranks.get(x).sort((a, b) => slots.get(a).box.y1 - slots.get(b).box.y1);
    const whole = union(ids.map((id) => slots.get(id).box));
    if (whole.h <= tallest || ids.length < 2) {
      if (pushed) for (const id of ids) move(id, pushed, 0);
      continue;
    }
    const width = Math.max(...ids.map((id) => slots.get(id).box.x2 - slots.get(id).box.x1));
    const wrapped: string[][] = [[]];
    let height = 0;
    for (const id of ids) {
      const h = slots.get(id).box.y2 - slots.get(id).box.y1 + ROW_GAP;
      if (height + h > tallest && wrapped[wrapped.length - 1].length) { wrapped.push([]); height = 0; }
      wrapped[wrapped.length - 1].push(id);
      height += h;
    }
    const top = -Math.min(tallest, whole.h) / 2;
    wrapped.forEach((column, i) => {
      let y = top;
      for (const id of column) {
        const box = slots.get(id).box;
        move(id, pushed + i * (width + COLUMN_GAP), y - box.y1);
        y += box.y2 - box.y1 + ROW_GAP;
      }
    });
    pushed += (wrapped.length - 1) * (width + COLUMN_GAP);
    for (const id of ids) wrappedIds.add(id);
  }
  return wrappedIds;
}

const LANE_GAP = 70;  // between the lanes of a drawing wrapped into rows

// A drawing wider than the window is read at a readable zoom in lanes: its ranks, left to right,
// cut into rows one under the other (ranks 0-4, then 5-9 below...): the fewest lanes readable in
// `area` (rendered px), else those giving the biggest zoom; one lane when it is readable so. Moves
// `at` and `slots`.
function wrap(area, at, slots, kids) {
  const ranks = [...new Set([...slots.values()].map((s) => s.x))].sort((a, b) => a - b);
  if (ranks.length < 3 || !slots.size) return;
  const [w, h] = [area.x2 - area.x1, area.y2 - area.y1];
  const whole = union([...slots.values()].map((s) => s.box));
  if (Math.min(w / whole.w, h / whole.h) >= MIN_ZOOM) return;
  const rankOf = new Map(ranks.map((x, i) => [x, i]));
  const lanesOf = (perLane) => {
    const lanes = [];
    for (const [id, slot] of slots) (lanes[Math.floor(rankOf.get(slot.x) / perLane)] ||= []).push(id);
    return lanes.filter(Boolean);
  };
  const sizeOf = (perLane) => {
    const lanes = lanesOf(perLane).map((ids) => union(ids.map((id) => slots.get(id).box)));
    const width = Math.max(...lanes.map((b) => b.w));
    const height = lanes.reduce((sum, b) => sum + b.h, 0) + LANE_GAP * (lanes.length - 1);
    return Math.min(w / width, h / height);
  };
  let best = ranks.length;  // the fewest lanes that are readable, else the biggest zoom
  for (let perLane = ranks.length - 1; perLane >= 2 && sizeOf(best) < MIN_ZOOM; perLane--) if (sizeOf(perLane) > sizeOf(best) * 1.02) best = perLane;
  if (sizeOf(best) < MIN_ZOOM) {
    // readable in no way: lanes as wide as the window holds readably, read by scrolling down
    const across = (perLane) => Math.max(...lanesOf(perLane).map((ids) => union(ids.map((id) => slots.get(id).box)).w));
    best = 1;
    while (best < ranks.length && across(best + 1) * MIN_ZOOM <= w) best++;
  }
  if (best === ranks.length) return;
  let top = whole.y1;
  for (const [lane, ids] of lanesOf(best).entries()) {
    const box = union(ids.map((id) => slots.get(id).box));
    const dx = ranks[0] - ranks[lane * best];
    const dy = top - box.y1;
    top += box.h + LANE_GAP;
    for (const id of ids) moveSlot(id, dx, dy, at, slots, kids);
  }
}

// Whether `elements`, laid out as a new view, fit the part of the canvas no control covers with
// their labels READABLE_PX tall (main.ts opens a view on the nearest part that does).
export function fits(cy, elements): boolean {
  const area = freeArea(cy);
  const { slots } = plan(elements, area);
  if (!slots.size) return true;
  const box = union([...slots.values()].map((s) => s.box));
  return box.w * MIN_ZOOM <= area.x2 - area.x1 && box.h * MIN_ZOOM <= area.y2 - area.y1;
}

// How many nodes the free area holds at most with readable labels, a node a cell (rows of a
// node's height and gap, ranks of its width and gap, twice over: lanes pack tighter).
export function readableCells(cy): number {
  const area = freeArea(cy);
  const across = (area.x2 - area.x1) / MIN_ZOOM / (NODE_W + RANK_GAP) + 1;
  const down = (area.y2 - area.y1) / MIN_ZOOM / (NODE_H + ROW_GAP) + 1;
  return Math.max(2, Math.ceil(2 * across * down));
}

// The part of the canvas (rendered px) that no control covers: below the toolbar (and a banner
// there), above the legend and the minimap, a badge's height in from each edge.
function freeArea(cy) {
  const canvas = cy.container().getBoundingClientRect();
  const shown = (id) => { const e = document.getElementById(id); return e && !e.hidden && e.offsetParent !== null ? e.getBoundingClientRect() : null; };
  const above = ["toolbar", "route", "as-of-banner"].map(shown).filter(Boolean).map((r) => r.bottom - canvas.top);
  const minimap = document.getElementById("minimap") as HTMLCanvasElement | null;
  const below = [shown("legend")?.top - canvas.top, canvas.height - (minimap ? minimap.height + 10 : 0)].filter((v) => Number.isFinite(v));
  const pad = 14;
  const y1 = Math.max(0, ...above) + pad;
  const y2 = Math.max(y1 + 4 * NODE_H, Math.min(canvas.height, ...below) - pad);
  return { x1: pad, x2: Math.max(pad + NODE_W, canvas.width - pad), y1, y2 };
}

// A new view: positions worked out on the elements (plan), the viewport set from those boxes,
// then the elements added CHUNK at a time, each chunk its own task and frame, so no task holds
// the page for the whole drawing.
async function drawFresh(cy, elements, focus, timed) {
  cy.elements().remove();
  const { order, at, slots, kids, wrapped } = plan(elements, freeArea(cy));
  timed("layout");
  readableView(cy, [...slots.values()].map((s) => s.box), focus && slots.has(focus) ? slots.get(focus).box : null);
  timed("view");
  const shown = order.filter((e) => !LAYOUT_ONLY.test(e.classes || ""));
  for (let i = 0; i < shown.length; i += CHUNK) {
    cy.batch(() => {
      for (const e of shown.slice(i, i + CHUNK)) {
        const owner = e.data.stub ? at.get(e.data.stub.id) : null;
        const position = at.get(e.data.id) || owner || undefined;
        // a copy: cytoscape keeps the object, and a badge would move its node; the edges into a
        // rank wrapped into columns drawn faint (they cross the columns before)
        if (e.group === "edges") cy.add(wrapped.has(e.data.target) ? { ...e, classes: `${e.classes || ""} faint` } : e);
        else cy.add(position && !kids.has(e.data.id) ? { ...e, position: { x: position.x, y: position.y } } : e);
      }
    });
    timed("update");
    await nextFrame();
    timed("frame");
  }
  cy.batch(() => cy.nodes().not(".stub").forEach((n) => placeBadges(cy, n)));
  timed("place");
  await nextFrame();
  return cy.nodes().not(".stub").map((n) => n.id());
}

// The size a node element is drawn at (the style's, by its classes): the layout needs no measuring.
function sizeOf(e) {
  const classes = ` ${e.classes || ""} `;
  if (classes.includes(" cluster ")) return { w: NODE_W + 50 + 8, h: CLUSTER_H + 8 };
  if (classes.includes(" PORTS ")) return { w: NODE_W + 2, h: e.data.h + 2 };  // as tall as its lines
  return { w: NODE_W + 2, h: NODE_H + 2 };
}

// After the next painted frame, in a task of its own.
function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function rank(e) {
  if (e.group === "edges") return 3;
  if (e.data.stub) return 2;
  return e.data.parent ? 1 : 0;
}

// Fits the drawing (`boxes`, its nodes') into the free area if it is readable so; otherwise the
// readable zoom, centred on the focus's box. Worked out on boxes: measuring the drawn labels and
// compound nodes was most of opening a few hundred nodes.
function readableView(cy, boxes, focus) {
  if (!boxes.length) return;
  const box = union(boxes);
  const area = freeArea(cy);
  const zoom = Math.min(Math.max(Math.min((area.x2 - area.x1) / box.w, (area.y2 - area.y1) / box.h), cy.minZoom()), cy.maxZoom());
  const level = Math.min(Math.max(zoom, MIN_ZOOM), 1.4);
  const centre = level > zoom && focus ? focus : box;
  // the focus centred, but no edge of the drawing inside the free area when it is bigger: a view
  // opened on its focus fills the window with its nearest part
  const pan = (lo, hi, from, to, at) => {
    if ((hi - lo) * level <= to - from) return (from + to) / 2 - level * (lo + hi) / 2;
    const wanted = (from + to) / 2 - level * at;
    return Math.min(Math.max(wanted, to - level * hi), from - level * lo);
  };
  cy.viewport({ zoom: level, pan: { x: pan(box.x1, box.x2, area.x1, area.x2, (centre.x1 + centre.x2) / 2),
    y: pan(box.y1, box.y2, area.y1, area.y2, (centre.y1 + centre.y2) / 2) } });
}

// Pans (the zoom kept) by as little as brings `boxes` (new nodes') into view, when they are not:
// an expansion off the edge is followed; what was drawn keeps its place in the drawing.
function follow(cy, boxes) {
  if (!boxes.length) return;
  const box = union(boxes);
  const area = freeArea(cy);
  const [zoom, pan] = [cy.zoom(), cy.pan()];
  const view = { x1: (area.x1 - pan.x) / zoom, x2: (area.x2 - pan.x) / zoom, y1: (area.y1 - pan.y) / zoom, y2: (area.y2 - pan.y) / zoom };
  const shift = (lo, hi, viewLo, viewHi) =>
    lo < viewLo ? viewLo - lo : hi > viewHi ? Math.max(viewHi - hi, viewLo - lo) : 0;
  const dx = shift(box.x1, box.x2, view.x1, view.x2);
  const dy = shift(box.y1, box.y2, view.y1, view.y2);
  if (dx || dy) cy.panBy({ x: dx * zoom, y: dy * zoom });
}

function union(boxes) {
  const x1 = Math.min(...boxes.map((b) => b.x1));
  const x2 = Math.max(...boxes.map((b) => b.x2));
  const y1 = Math.min(...boxes.map((b) => b.y1));
  const y2 = Math.max(...boxes.map((b) => b.y2));
  return { x1, x2, y1, y2, w: x2 - x1, h: y2 - y1 };
}

// Places new top-level nodes beside the drawn neighbour they hang from (through a column edge
// too): one column right of an upstream neighbour, left of a downstream one, in the nearest free
// rows; nothing drawn moves. Returns each new node's slot (a new dataset's columns go there).
function placeBeside(cy, nodes, before) {
  const slots = new Map<string, any>(before);
  const top = (n) => (n.isChild() ? n.parent() : n);
  const around = (node) => node.union(node.children());
  let pending = nodes.toArray();
  for (let guard = 0; pending.length && guard < 50; guard++) {
    const rest = [];
    const byAnchor = new Map();
    for (const node of pending) {
      const fromUp = around(node).incomers("node").map(top).filter((n) => slots.has(n.id()) && !n.same(node));
      const fromDown = around(node).outgoers("node").map(top).filter((n) => slots.has(n.id()) && !n.same(node));
      const anchor = fromUp.length ? fromUp[0] : fromDown.length ? fromDown[0] : null;
      if (!anchor) { rest.push(node); continue; }
      const dir = fromUp.length ? 1 : -1;
      const key = `${anchor.id()}|${dir}`;
      if (!byAnchor.has(key)) byAnchor.set(key, { anchor, dir, nodes: [] });
      byAnchor.get(key).nodes.push(node);
    }
    const put = (node, x, y) => {
      const box = { x1: x - NODE_W / 2, x2: x + NODE_W / 2, y1: y - NODE_H / 2, y2: y + NODE_H / 2 };
      slots.set(node.id(), { x, box, parent: false });
      if (!node.isParent()) node.position({ x, y });
    };
    if (!byAnchor.size) {
      // nothing to hang from: below everything
      const y2 = Math.max(...[...slots.values()].map((s) => s.box.y2));
      const x1 = Math.min(...[...slots.values()].map((s) => s.box.x1));
      rest.forEach((n, i) => put(n, x1 + NODE_W / 2, y2 + (NODE_H + ROW_GAP) * (i + 1)));
      break;
    }
    for (const { anchor, dir, nodes: group } of byAnchor.values()) {
      const slot = slots.get(anchor.id());
      const x = slot.x + dir * (NODE_W + RANK_GAP);
      const y = (slot.box.y1 + slot.box.y2) / 2;
      const rows = freeRows(x, y, group.length, [...slots.values()]);
      group.forEach((n, i) => put(n, x, rows[i]));
    }
    pending = rest;
  }
  return slots;
}

// `count` free row centres in the column at `x`: a block centred on `y` if it fits, else the
// nearest free rows alternately below and above, top to bottom. A centre is free unless it falls
// inside a taken box widened by half a row each way; those spans, sorted and merged, are searched
// by halves, so a page costs its rows times log(the column's nodes), not times the column.
function freeRows(x, y, count, slots) {
  const step = NODE_H + ROW_GAP;
  const half = NODE_H / 2 + ROW_GAP / 2;
  const spans = slots.filter((s) => Math.abs(s.x - x) < NODE_W).map((s) => [s.box.y1 - half, s.box.y2 + half])
    .sort((a, b) => a[0] - b[0]);
  const merged = [];  // disjoint open spans, ascending: (lo, hi)
  for (const [lo, hi] of spans) {
    const last = merged[merged.length - 1];
    if (last && lo < last[1]) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  const free = (c) => {
    let low = 0;
    let high = merged.length;  // the first span starting at or after c
    while (low < high) {
      const mid = (low + high) >> 1;
      if (merged[mid][0] < c) low = mid + 1; else high = mid;
    }
    return low === 0 || c >= merged[low - 1][1];
  };
  const start = y - ((count - 1) * step) / 2;
  const block = Array.from({ length: count }, (_, i) => start + i * step);
  if (block.every(free)) return block;
  // the rows tried are a step apart: a row taken here never overlaps the next one tried
  const rows = [];
  for (let k = 0; rows.length < count && k < 1000000; k++) {
    const candidate = y + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * step;
    if (free(candidate)) rows.push(candidate);
  }
  return rows.sort((a, b) => a - b);
}

// Each dataset's columns in schema order inside it, where the dataset was (`slots`: each node's x
// and box before), top to bottom; what sits below a dataset in its column moves down by as much
// as it grew, and so do the slots of the datasets still to fill. Worked out on the slots first
// (a dataset's height from its column count) and then moved in one batch: moving nodes one at a
// time, each move re-measuring the compound boxes, took most of a second for 50 datasets.
function stackAll(cy, parents, slots) {
  const plan = stackPlan(parents.map((p) => ({ id: p.id(), kids: p.children().toArray() })), slots);
  cy.batch(() => {
    for (const [kid, position] of plan.placed) kid.position(position);
    for (const [id, dy] of plan.shifts) {
      const node = cy.getElementById(id);
      if (node.length && !node.isParent()) node.shift({ x: 0, y: dy });
      else if (node.length) node.children().shift({ x: 0, y: dy });
    }
  });
}

// The plan of stackAll for `parents` ({ id, kids }: cytoscape nodes or elements, ordered by their
// data's `order`): each kid's position, and how far each other node moves down. The slots are
// updated: a filled dataset's box holds its columns.
function stackPlan(parents: { id: string; kids: any[] }[], slots) {
  const order = parents.filter((p) => slots.has(p.id)).sort((a, b) => slots.get(a.id).box.y1 - slots.get(b.id).box.y1);
  const filling = new Set(order.map((p) => p.id));
  const placed = [];  // [kid, position]
  const shifts = new Map<string, number>();  // a node drawn below a filled dataset: how far it moves down
  const orderOf = (k) => (typeof k.data === "function" ? k.data("order") : k.data.order);
  for (const parent of order) {
    const slot = slots.get(parent.id);
    const kids = [...parent.kids].sort((a, b) => orderOf(a) - orderOf(b));
    const top = slot.box.y1 + 18;
    kids.forEach((k, i) => placed.push([k, { x: slot.x, y: top + COLUMN_H / 2 + i * COLUMN_H }]));
    const grown = top + kids.length * COLUMN_H + PARENT_PAD - slot.box.y2;
    if (grown <= 0) continue;
    const below = (box, x) => Math.abs(x - slot.x) < NODE_W && box.y1 > slot.box.y2 - 1;
    for (const [id, other] of slots) {
      if (id === parent.id || !below(other.box, other.x)) continue;
      other.box = { ...other.box, y1: other.box.y1 + grown, y2: other.box.y2 + grown };
      if (!filling.has(id)) shifts.set(id, (shifts.get(id) || 0) + grown);
    }
    slot.box = { ...slot.box, y2: slot.box.y2 + grown };
  }
  return { placed, shifts };
}

// A node's box without label, overlay or underlay, as boundingBox gives it (cytoscape pads it by
// 1 px), read from its position and size for a node of its own: its label is not measured (a new
// node's boundingBox measured its text, most of placing a page).
function bodyBox(node) {
  if (node.isParent()) return node.boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false });
  const { x, y } = node.position();
  const w = node.outerWidth() / 2 + 1;
  const h = node.outerHeight() / 2 + 1;
  return { x1: x - w, x2: x + w, y1: y - h, y2: y + h, w: 2 * w, h: 2 * h };
}

// The "+N" badges of a node: straddling its top border, at its left (upstream) or right corner;
// a dataset drawn with its columns has its name above that border, so its badges straddle the
// bottom one.
function placeBadges(cy, node) {
  if (node.isChild()) return;
  const box = bodyBox(node);
  for (const side of ["up", "down"]) {
    const badge = cy.getElementById(`stub|${side}|${node.id()}`);
    if (!badge.length) continue;
    const w = badge.outerWidth();
    badge.position({ x: side === "up" ? box.x1 + w / 2 + 2 : box.x2 - w / 2 - 2, y: node.isParent() ? box.y2 + 2 : box.y1 - 2 });
  }
}

// ---- the controls: zoom, fit ------------------------------------------------------------------

export function zoomBy(cy, factor) {
  const box = cy.container().getBoundingClientRect();
  cy.zoom({ level: Math.min(Math.max(cy.zoom() * factor, cy.minZoom()), cy.maxZoom()),
    renderedPosition: { x: box.width / 2, y: box.height / 2 } });
}

export function fit(cy) {
  cy.fit(cy.nodes(), 30);
}

export function label(node) {
  if (node.kind === "COLUMN") return node.name || node.id;
  const name = node.name || node.id;
  return node.deleted ? `${name} (dropped)` : name;
}

// Full qualified name of a node, for tooltips.
export function fullName(node) {
  if (!node) return "";
  if (node.kind === "COLUMN") return `column ${node.namespace || ""} ${node.dataset || ""}.${node.name || ""}`;
  return `${(node.kind || "").toLowerCase()} ${node.namespace ? `${node.namespace} ` : ""}${node.name || node.id}`;
}

// The label size on screen now, in CSS pixels.
export function labelPx(cy) {
  return FONT_PX * cy.zoom();
}
