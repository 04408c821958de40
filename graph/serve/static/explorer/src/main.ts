// The explorer: search → a node's lineage, as deep as the Depth control says, expanded one hop and
// one side at a time with the "+N" badges; columns per dataset or everywhere; a column's path
// across datasets; the paths between two nodes; impact mode; details beside; all as of now or a
// past moment (the "As of" control). Each view is a browser history entry and its URL
// (#node=...&mode=...&at=...&to=...) reproduces it.

import * as api from "./api.js";
import * as columnPath from "./columnpath.js";
import { createControls, showAsOf, showLegend, showMode } from "./controls.js";
import { CLUSTER_MIN, DOWN, FAN_OUT, LineageModel, UP, datasetOf } from "./model.js";
import * as panel from "./panel.js";
import * as products from "./products.js";
import { createSearch } from "./search.js";
import { domainColour, jobColour, onThemeChange, setDomains } from "./theme.js";
import { byHops, cutNote, nearestByVia, nearestThatFit } from "./fit.js";
import { painted, startTiming, timed, timingNow } from "./timing.js";
import { fitLabel } from "./labels.js";
import { DEFAULT_DEPTH, readURL, validTime, writeViewURL } from "./url.js";
import { CLUSTER_LABEL_W, FONT_PX, LABEL_W, createView, draw, fits, label, readableCells } from "./view.js";

const PATH_DEPTH = 10;      // dataset hops searched for a path between two nodes
// nodes a side's walk at depth "all" brings at most, nearest first: a hub's whole lineage (13,000
// nodes on the 10k mesh, tens of thousands on 100k) was shipped to draw 300 of it; past these the
// badges count what is hidden (the nodes' own neighbour counts) and page it in
const DRAWING_WALK = 2000;

const model = new LineageModel();
// asOf: an ISO time the view shows the graph as of (null: now); to: the node a path is drawn to
const state = { node: null, mode: "lineage", change: "DROP", cols: [], x: [], depth: DEFAULT_DEPTH, columns: false, path: null,
  asOf: null, to: null };
let pickingPathFrom = null;  // the node "Path to…" was chosen on: the next search pick is the other end
const cy = createView(document.getElementById("graph-canvas"), (data) => tapped(data));
window.explorer = { model, cy, state, firstPaintMs: null, ready: false, timings: {} };

// ---- the URL holds the view; each view is a history entry (url.ts) ----------------------------

const writeURL = (push = false) => writeViewURL(state, push);

// A new moment to show: what is known of the graph at another moment is not this one's.
function setAsOf(asOf) {
  if (asOf === state.asOf) return false;
  state.asOf = asOf;
  model.clear();
  healthAsked.clear();
  showAsOf(asOf);
  return true;
}

function status(text) {
  document.getElementById("status").textContent = text;
}

async function guarded(work) {
  try {
    await work();
  } catch (error) {
    console.error(error);
    panel.showError(error.message || String(error));
    status(`error: ${error.message || error}`);
  }
}

function walkDepth() {
  return state.depth === "all" ? null : Number(state.depth);
}

// ---- lineage mode ------------------------------------------------------------------------------

// Opens a node's lineage as a new view; `restoring`: the rest of a view read from a URL.
async function openNode(id, restoring = null, push = true) {
  startTiming();
  state.node = id;
  state.mode = "lineage";
  state.cols = restoring ? [...restoring.cols] : [];
  state.path = restoring ? restoring.path : null;
  state.to = restoring ? restoring.to || null : null;
  state.x = [];
  showMode(state);
  status("loading lineage…");
  const depth = walkDepth();
  const trim = depth === null ? DRAWING_WALK : null;
  const [up, down] = await Promise.all([api.lineage(id, "UPSTREAM", depth, state.asOf, trim), api.lineage(id, "DOWNSTREAM", depth, state.asOf, trim)]);
  await model.mergeInTasks(up, "UPSTREAM", id, depth);
  await model.mergeInTasks(down, "DOWNSTREAM", id, depth);
  if (!model.nodes.has(id)) {
    const node = await api.node(id, state.asOf);
    if (!node) throw new Error(`no node ${id}`);
    model.addNode(node);
  }
  model.open(id, depth);
  showRoute(null);
  for (const step of restoring ? restoring.x : []) {
    const [side, ...rest] = step.split(":");
    if (side === "one") drawOne(rest.join(":"), false);
    else if (side === "cluster") expandCluster(rest[0], decodeURIComponent(rest[1]), rest.slice(2).join(":"), false);
    else await expand(rest.join(":"), side, false);
  }
  if (state.path) await loadPath(state.path, true);
  if (state.to) await loadRoute(id, state.to);
  await render({ fresh: true });
  writeURL(push);
  const shown = state.path ? model.nodes.get(state.path) : null;
  showDetails(shown || model.nodes.get(id));
  await follow(id);
}

// ---- live: redraw when ingested events change the lineage on screen ----------------------------

const LIVE_QUERY = `subscription Live($id: String!, $depth: Int) {
  lineageChanged(nodeId: $id, direction: BOTH, depth: $depth) { nodes { id } edges { source target kind } truncated }
}`;
let live = null;

async function follow(id) {
  if (live) live.close();
  live = null;
  if (state.asOf) return;  // the past does not change
  if (!(await api.offers("subscription", "lineageChanged"))) return;
  let first = true;  // the answer the page just drew
  live = api.subscribe(LIVE_QUERY, { id, depth: walkDepth() }, () => {
    if (first) {
      first = false;
      return;
    }
    if (state.mode !== "lineage" || state.node !== id) return;
    status("the lineage changed: redrawn");
    window.explorer.liveUpdates = (window.explorer.liveUpdates || 0) + 1;
    guarded(() => refresh(id));
  });
}

// The open lineage read again, drawn without moving what stays.
async function refresh(id) {
  const depth = walkDepth();
  const trim = depth === null ? DRAWING_WALK : null;
  const [up, down] = await Promise.all([api.lineage(id, "UPSTREAM", depth, null, trim), api.lineage(id, "DOWNSTREAM", depth, null, trim)]);
  model.merge(up, "UPSTREAM", id, depth);
  model.merge(down, "DOWNSTREAM", id, depth);
  const drawn = new Set(model.drawn);
  const path = model.path;
  const route = model.route;
  model.open(id, depth);
  model.path = path;
  model.route = route;
  for (const n of drawn) if (model.nodes.has(n)) model.drawn.add(n);
  await render();
}

async function expand(id, side, redraw = true) {
  if (redraw) startTiming();
  const direction = side === UP ? "UPSTREAM" : "DOWNSTREAM";
  if (model.hidden(id, side) !== null) {
    model.reveal(id, side);
  } else if (!state.asOf && (await api.offers("query", "neighbours"))) {
    // the next page of the side's neighbours, FAN_OUT at a time, drawn as it comes
    const page = await api.neighbours(id, direction, FAN_OUT, model.cursors.get(`${side}|${id}`) || null);
    model.mergePage(id, side, page, !page.pageInfo.hasNextPage);
    for (const node of page.nodes) model.drawn.add(node.id);
  } else {
    model.merge(await api.lineage(id, direction, 1, state.asOf), direction, id, 1);
    model.reveal(id, side);
  }
  state.x.push(`${side}:${id}`);
  if (redraw) {
    timed("query");
    await render();
    writeURL();
  }
}

async function loadColumns(datasetId) {
  const node = model.nodes.get(datasetId);
  if (!node || model.columns.has(datasetId)) return;
  const details = await api.datasetDetails(node.namespace, node.name);
  // schema order: the schema's ordinal, then the order the server lists them in
  const columns = (details?.columns || []).filter((c) => c.current || !c.declared)
    .map((c, i) => ({ id: c.id, kind: "COLUMN", name: c.name, namespace: node.namespace, dataset: node.name, declared: c.declared,
      deleted: false, order: c.ordinal ?? 1e6 + i, type: c.type }))
    .sort((a, b) => a.order - b.order);
  columns.forEach((c, i) => { c.order = i; });
  model.columns.set(datasetId, columns);
  for (const answer of await api.columnEdges(columns.map((c) => c.id), state.asOf)) {
    for (const edge of answer.edges) {
      if (edge.kind === "DERIVES_FROM") model.columnEdges.set(`${edge.source}|${edge.target}`, edge);
    }
  }
}

async function toggleColumns(datasetId) {
  if (state.cols.includes(datasetId)) {
    state.cols = state.cols.filter((id) => id !== datasetId);
  } else {
    await loadColumns(datasetId);
    state.cols.push(datasetId);
  }
  await render();
  writeURL();
}

function columnsShown(datasetId) {
  return state.columns || state.cols.includes(datasetId);
}

// ---- a column's path: its upstream and downstream columns across datasets ----------------------

// One request for the whole path (`columnPath`), progress shown while it comes; the nearest
// PATH_DRAWN datasets are drawn, the rest wait in clusters. `only`: the path is the whole view.
async function loadPath(columnId, only = false) {
  const answer = await columnPath.withProgress(`loading the column path of ${columnId.split(":").pop()}`, api.columnPath(columnId, state.asOf));
  const path = columnPath.pathOf(columnId, answer);
  for (const dataset of answer.datasets) model.addNode(dataset);
  for (const group of path.groups.values()) for (const column of group.columns) if (!model.nodes.has(column.id)) model.addNode(column);
  if (only) model.drawn = new Set();
  for (const id of columnPath.reveal(path, columnPath.PATH_DRAWN)) model.drawn.add(id);
  if (path.dataset) model.drawn.add(path.dataset);
  model.path = path;
}

// Draws FAN_OUT more of a path cluster's datasets, nearest first.
async function expandPathCluster(key) {
  startTiming();
  const path = model.path;
  if (!path) return;
  for (const id of columnPath.reveal(path, FAN_OUT, columnPath.clusterMembers(path, key))) model.drawn.add(id);
  await render();
}

async function selectColumn(columnId) {
  state.path = columnId;
  await loadPath(columnId);
  await render();
  writeURL(true);
  const column = model.nodes.get(columnId) || [...model.columns.values()].flat().find((c) => c.id === columnId);
  if (column) showDetails(column);
}

// ---- the paths between two nodes ---------------------------------------------------------------

// Draws every path between `from` and `to` (within PATH_DEPTH hops, either way round) and marks it.
async function loadRoute(from, to) {
  const answer = await api.lineagePaths(from, to, PATH_DEPTH, state.asOf);
  if (!answer.direction) {
    model.route = null;
    if (!model.nodes.has(to)) {  // named by its namespace and name
      const end = await api.node(to, state.asOf);
      if (end) model.addNode(end);
    }
    showRoute(`No path between ${fullOf(from)} and ${fullOf(to)}` +
      `${answer.truncated ? ` within depth ${answer.depth}: a longer one may exist.` : ": they are not connected."}`, true);
    return;
  }
  for (const node of answer.nodes) {
    model.addNode(node);
    model.drawn.add(node.id);
  }
  for (const edge of answer.edges) model.addEdge(edge.source, edge.target);
  model.route = { from, to, nodes: new Set(answer.nodes.map((n) => n.id)), edges: new Set(answer.edges.map((e) => `${e.source}|${e.target}`)) };
  const [first, last] = answer.direction === "DOWNSTREAM" ? [from, to] : [to, from];
  const datasets = answer.nodes.filter((n) => n.kind === "DATASET").length;
  showRoute(`Path from ${fullOf(first)} to ${fullOf(last)}: ${answer.nodes.length} nodes (${datasets} datasets) on ` +
    `${answer.edges.length} edges within depth ${answer.depth}.`);
}

function showRoute(text, missing = false) {
  const box = document.getElementById("route");
  box.hidden = !text;
  box.classList.toggle("missing", missing);
  document.getElementById("route-text").textContent = text || "";
}

// "Path to…": the next node picked in the search is the path's other end.
function startPathPick(from) {
  pickingPathFrom = from;
  const input = document.getElementById("search");
  input.value = "";
  input.placeholder = `Path from ${model.nodes.get(from)?.name || from} to… (search a dataset or job; Escape cancels)`;
  input.focus();
  status(`path from ${fullOf(from)}: search for the other end`);
}

function endPathPick() {
  pickingPathFrom = null;
  document.getElementById("search").placeholder = document.getElementById("search").dataset.placeholder;
}

async function pickPathEnd(from, hit) {
  endPathPick();
  if (hit.kind !== "DATASET" && hit.kind !== "JOB") {
    showRoute("A path joins datasets and jobs: pick one of those.", true);
    return;
  }
  if (state.mode !== "lineage" || state.node !== from) {
    await openNode(from, { cols: [], x: [], path: null, to: hit.id });
    return;
  }
  state.to = hit.id;
  await loadRoute(from, hit.id);
  await render({ fresh: Boolean(model.route) });  // a new view: laid out whole (readable, around the focus)
  writeURL(true);
}

async function clearRoute() {
  state.to = null;
  model.route = null;
  showRoute(null);
  await render();
  writeURL(true);
}

// ---- drawing -----------------------------------------------------------------------------------

async function fillDomains() {
  const missing = [...model.drawn].map((id) => model.nodes.get(id))
    .filter((n) => n && n.kind === "DATASET" && n.domain === undefined && !model.domains.has(n.id));
  if (missing.length) for (const [id, domain] of await api.domainsOf(missing)) model.domains.set(id, domain);
}

// The health of the datasets drawn, at most HEALTH_LOOKUPS a render: each lookup walks upstream,
// so it is asked once the frame is painted, not before; those failing or at risk are marked as the
// answer comes (only they are restyled).
const HEALTH_LOOKUPS = 200;
const healthAsked = new Set<string>();  // dataset ids whose health is asked or known

function fillHealthAfterPaint() {
  const missing = [...model.drawn].map((id) => model.nodes.get(id))
    .filter((n) => n && n.kind === "DATASET" && !model.health.has(n.id) && !healthAsked.has(n.id)).slice(0, HEALTH_LOOKUPS);
  if (!missing.length) return;
  for (const n of missing) healthAsked.add(n.id);
  const known = model.health;  // a model cleared meanwhile (another moment) keeps what it was told
  api.healthOf(missing).then((found) => {
    for (const [id, status] of found) {
      known.set(id, status);
      if (known === model.health) markHealth(id, status);
    }
  }, (error) => {
    for (const n of missing) healthAsked.delete(n.id);
    console.warn("no health", error);
  });
}

function markHealth(id, status) {
  if (state.mode !== "lineage" || (status !== "FAILING" && status !== "AT_RISK")) return;
  const drawn = cy.getElementById(id);
  if (!drawn.length || drawn.data("health") === status) return;
  drawn.data("health", status);
  drawn.addClass(`health-${status}`);
}

function domainOf(node) {
  return node.domain !== undefined ? node.domain : model.domains.get(node.id);
}

function nodeElement(node, extra = []) {
  const health = model.health.get(node.id);
  const onRoute = state.mode === "lineage" && model.route && model.route.nodes.has(node.id);
  const classes = [node.kind, node.deleted ? "deleted" : "", node.declared === false ? "undeclared" : "", node.id === state.node ? "focus" : "",
    onRoute ? "route" : "", onRoute && node.id === model.route.to ? "route-end" : "",
    health === "FAILING" || health === "AT_RISK" ? `health-${health}` : "", ...extra];
  const domain = domainOf(node);
  const colour = domain ? domainColour(domain) : node.kind === "JOB" ? jobColour() : domainColour(null);
  const top = node.kind === "DATASET" || node.kind === "JOB";  // a box of its own: its name whole, in lines
  if (top) classes.push("named");
  return { group: "nodes", data: { id: node.id, label: top ? fitLabel(label(node), LABEL_W, FONT_PX) : label(node), kind: node.kind, domain: domain || null, colour, health: health || null, node } as Record<string, any>,
    classes: classes.filter(Boolean).join(" ") };
}

const PLURAL = { DATASET: "datasets", JOB: "jobs", COLUMN: "columns" };

// A big side's hidden neighbours, all known, as cluster nodes ("◀ 120 datasets in namespace
// fanout") joined to their node; a click draws FAN_OUT of a cluster and lists the rest.
function clusterElements(id, side) {
  const elements = [];
  for (const cluster of model.clusters(id, side) || []) {
    const clusterId = `cluster|${side}|${cluster.key}|${id}`;
    const count = `${cluster.members.length} ${PLURAL[cluster.kind] || "nodes"} in ${cluster.by} ${cluster.name}`;
    const colour = cluster.by === "domain" ? domainColour(cluster.name) : domainColour(null);
    elements.push({ group: "nodes", classes: `cluster ${side} named`,  // its label in lines: the namespace whole
      data: { id: clusterId, label: clusterLabel(side, `${cluster.members.length} ${PLURAL[cluster.kind] || "nodes"} in ${cluster.by} `, cluster.name), kind: "CLUSTER", colour,
        domain: cluster.by === "domain" ? cluster.name : null,
        tip: `${count} ${side === UP ? "upstream" : "downstream"} of ${fullOf(id)}: click to draw ${FAN_OUT} and list the rest`,
        cluster: { id, side, key: cluster.key, size: cluster.members.length } } });
    const [source, target] = side === UP ? [clusterId, id] : [id, clusterId];
    elements.push({ group: "edges", data: { id: `k|${source}|${target}`, source, target }, classes: "cluster" });
  }
  return elements;
}

// A cluster's label: on one line when it fits, else what it holds on one ("◀ 131 jobs in
// namespace ") and the name it is of below, whole in two lines where it can be (where clusters
// differ: "airflow://logistics", "airflow://loyalty").
function clusterLabel(side, what: string, name: string): string {
  const whole = fitLabel(side === UP ? `◀ ${what}${name}` : `${what}${name} ▶`, CLUSTER_LABEL_W, FONT_PX, 1, "bold");
  if (!whole.startsWith("…") && !whole.endsWith("…")) return whole;
  return side === UP ? `◀ ${what}\n${fitLabel(name, CLUSTER_LABEL_W, FONT_PX, 2, "bold")}`
    : `${what}\n${fitLabel(`${name} ▶`, CLUSTER_LABEL_W, FONT_PX, 2, "bold")}`;
}

// Draws the next FAN_OUT of a cluster's members and lists the rest to pick from.
async function expandCluster(side, key, id, redraw = true) {
  if (redraw) startTiming();
  model.revealCluster(id, side, key);
  state.x.push(`cluster:${side}:${encodeURIComponent(key)}:${id}`);
  if (!redraw) return;
  await render();
  writeURL();
  const rest = (model.clusters(id, side) || []).find((c) => c.key === key);
  if (rest) panel.showHidden(model.nodes.get(id), rest.members.map((m) => model.nodes.get(m)), (m) => guarded(() => drawOne(m)));
}

// The badge on one side of a drawn node naming its hidden neighbours there: "◀ +N" upstream,
// "+N ▶" downstream, "N more" above FAN_OUT, a bare "+" when not counted yet; clusters instead
// for more than CLUSTER_MIN, all known.
function badgeElements(id, side) {
  const kind = model.nodes.get(id)?.kind;
  if ((kind === "DATASET" || kind === "JOB") && (model.hidden(id, side)?.length || 0) > CLUSTER_MIN) return clusterElements(id, side);
  const hidden = model.hiddenCount(id, side);
  if (hidden === 0 || (kind !== "DATASET" && kind !== "JOB")) return [];
  const count = hidden === null ? "+" : hidden > FAN_OUT ? `${hidden} more` : `+${hidden}`;
  const text = side === UP ? `◀ ${count}` : `${count} ▶`;
  const where = side === UP ? "upstream" : "downstream";
  const tip = hidden === null ? `show ${where} of ${fullOf(id)}` : `${hidden} more ${where} of ${fullOf(id)}: click to draw${hidden > FAN_OUT ? ` ${FAN_OUT} at a time` : ""}`;
  return [{ group: "nodes", data: { id: `stub|${side}|${id}`, label: text, tip, stub: { id, side, hidden } }, classes: `stub ${side}` }];
}

function fullOf(id) {
  const node = model.nodes.get(id);
  return node ? `${node.namespace ? `${node.namespace} ` : ""}${node.name || id}` : id;
}

async function render({ fresh = false } = {}) {
  if (!timingNow()) startTiming();
  timed("query");
  await domainsReady;
  await fillDomains();
  if (state.columns) {
    // every drawn dataset's columns, a few requests at a time (the server admits a client's queries in bounds)
    const waiting = [...model.drawn].filter((id) => model.nodes.get(id)?.kind === "DATASET" && !model.columns.has(id));
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (waiting.length) await loadColumns(waiting.shift());
    }));
  }
  timed("facts");
  const path = state.path && model.path?.column === state.path ? model.path : null;
  const build = () => {
    const elements = [];
    const columnIds = new Set();
    const columnDataset = new Map<string, string>();  // each drawn column's dataset
    for (const id of model.drawn) {
      const node = model.nodes.get(id);
      if (!node) continue;
      elements.push(nodeElement(node));
      const group = path?.groups.get(id);
      if (node.kind === "DATASET" && (columnsShown(id) || group)) {
        for (const column of columnsShown(id) ? model.columns.get(id) || [] : group.columns) {
          columnIds.add(column.id);
          columnDataset.set(column.id, id);
          const element = nodeElement(column, path && path.nodes.has(column.id) ? ["path"] : []);
          element.data.parent = id;
          element.data.order = column.order;
          elements.push(element);
        }
        if (!columnsShown(id) && group.other) {
          elements.push({ group: "nodes", classes: "more-columns", data: { id: `more|${id}`, parent: id, order: 1e6,
            label: `+${group.other} column${group.other === 1 ? "" : "s"}`, kind: "MORE", moreColumns: id,
            tip: `${group.other} more columns of ${fullOf(id)}, not on the path: click to draw them` } });
        }
      }
      for (const side of [UP, DOWN]) elements.push(...badgeElements(id, side));
    }
    for (const { source, target } of model.drawnEdges()) {
      const onRoute = model.route && model.route.edges.has(`${source}|${target}`);
      elements.push({ group: "edges", data: { id: `e|${source}|${target}`, source, target }, classes: onRoute ? "route" : "" });
    }
    // column edges: a path's own, emphasised; others only between datasets whose columns were asked for
    const asked = (columnId) => columnsShown(columnDataset.get(columnId));
    const ends = (id) => columnIds.has(id) || (model.drawn.has(id) && model.nodes.get(id)?.kind === "DATASET");
    for (const edge of path ? path.edgeList : []) {
      if (ends(edge.source) && ends(edge.target)) {
        elements.push({ group: "edges", data: { id: `c|${edge.source}|${edge.target}`, source: edge.source, target: edge.target },
          classes: "column path" });
      }
    }
    for (const edge of model.columnEdges.values()) {
      if (columnIds.has(edge.source) && columnIds.has(edge.target) && !path?.edges.has(`${edge.source}|${edge.target}`)
        && (!path || (asked(edge.source) && asked(edge.target)))) {
        elements.push({ group: "edges", data: { id: `c|${edge.source}|${edge.target}`, source: edge.source, target: edge.target },
          classes: "column" });
      }
    }
    if (path) {
      // the datasets a path joins, for the layout (not drawn: the column edges say it)
      for (const [source, target] of path.links) {
        if (model.drawn.has(source) && model.drawn.has(target)) {
          elements.push({ group: "edges", data: { id: `l|${source}|${target}`, source, target }, classes: "path-link" });
        }
      }
      elements.push(...columnPath.clusterElements(path, path.dataset && model.drawn.has(path.dataset) ? path.dataset : null,
        (domain) => domainColour(domain)));
    }
    return elements;
  };
  let elements = build();
  let cut = "";
  if (fresh && !model.route && !state.x.length) {  // a new view opens on the nearest part that fits
    const order = path ? [...new Set([path.dataset, ...path.datasets.map((d) => d.id), ...model.drawn])].filter((id) => id && model.drawn.has(id))
      : byHops(state.node, model.drawn, (id) => [...model.neighbours(id, UP), ...model.neighbours(id, DOWN)]);
    const fitting = (ids: Set<string>) => {
      model.drawn = ids;
      if (path) path.hidden = path.datasets.map((d) => d.id).filter((id) => !ids.has(id));
      return fits(cy, build());
    };
    const kept = await nearestThatFit(order, fitting, readableCells(cy));
    fitting(kept);
    elements = build();
    cut = cutNote(kept.size, order.length);
  }
  timed("elements");
  await draw(cy, elements, { fresh, focus: state.node, timed });
  const hiddenTotal = elements.filter((e) => e.data.stub || e.data.cluster)
    .reduce((sum, e) => sum + ((e.data.stub ? e.data.stub.hidden : e.data.cluster.size) || 0), 0) + (path ? path.hidden.length : 0);
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(model.drawn.size);
  graph.dataset.hidden = String(hiddenTotal);
  status((path ? columnPath.summary(path, model.drawn) : `${model.drawn.size} node${model.drawn.size === 1 ? "" : "s"} drawn, ${hiddenTotal} hidden behind + badges and clusters; ${model.nodes.size} known`) + cut);
  showLegend(cy);
  markPainted();
  fillHealthAfterPaint();
}

function markPainted() {
  window.explorer.timings = painted();
  window.explorer.paintedAt = performance.now();
  if (window.explorer.firstPaintMs === null) window.explorer.firstPaintMs = window.explorer.paintedAt;
  window.explorer.ready = true;
  document.body.dataset.shown = state.asOf || "now";  // the moment drawn
  document.body.dataset.painted = String(Number(document.body.dataset.painted || 0) + 1);
}

function showDetails(node) {
  if (!node) return;
  const actions = [];
  if (node.kind === "DATASET") {
    actions.push([columnsShown(node.id) ? "Hide columns" : "Show columns", "action-columns", () => guarded(() => toggleColumns(node.id))]);
  }
  if (node.kind === "COLUMN" && state.path !== node.id) {
    actions.push(["Column path", "action-path", () => guarded(() => selectColumn(node.id))]);
  }
  if (node.kind === "DATASET" || node.kind === "COLUMN") {
    actions.push(["Impact of a change", "action-impact", () => guarded(() => openImpact(node.id, state.change))]);
  }
  if (node.id !== state.node && (node.kind === "DATASET" || node.kind === "JOB")) {
    actions.push(["Open its lineage", "action-open", () => guarded(() => openNode(node.id))]);
  }
  if (state.mode === "lineage" && (node.kind === "DATASET" || node.kind === "JOB")) {
    actions.push(["Path to…", "action-path-to", () => startPathPick(node.id)]);
  }
  const path = node.kind === "COLUMN" && model.path?.column === node.id ? columnPath.pathRows(model.path) : null;
  guarded(async () => {
    await panel.showNode(node, actions, (id) => guarded(() => openNode(id)), (to) => guarded(() => openNode(node.id, { cols: [], x: [], path: null, to })), path);
    if (state.asOf) {  // the graph is the past's; the details are read as they stand
      const note = document.createElement("p");
      note.id = "details-now";
      note.className = "muted";
      note.textContent = `The graph shows ${state.asOf}; these details are as they stand now.`;
      document.getElementById("panel").querySelector("h2")?.after(note);
    }
  });
}

// One hidden neighbour picked from a "N more" list.
async function drawOne(id, redraw = true) {
  if (!model.nodes.has(id)) return;
  model.drawn.add(id);
  state.x.push(`one:${id}`);
  if (redraw) {
    await render();
    writeURL();
  }
}

function tapped(data) {
  if (data.pathCluster) {
    guarded(() => expandPathCluster(data.pathCluster));
  } else if (data.moreColumns) {
    guarded(() => toggleColumns(data.moreColumns));
  } else if (data.cluster) {
    guarded(() => expandCluster(data.cluster.side, data.cluster.key, data.cluster.id));
  } else if (data.stub) {
    guarded(async () => {
      const paged = data.stub.hidden !== null && data.stub.hidden > FAN_OUT;
      await expand(data.stub.id, data.stub.side);
      // what a page left hidden, listed with a filter to pick from
      const rest = model.hidden(data.stub.id, data.stub.side);
      if (paged && rest && rest.length) {
        panel.showHidden(model.nodes.get(data.stub.id), rest.map((id) => model.nodes.get(id)), (id) => guarded(() => drawOne(id)));
      }
    });
  } else if (data.product) {
    guarded(() => panel.showHolder(data.product, (id) => guarded(() => openNode(id)), (id) => guarded(() => openProducts(id))));
  } else if (data.node && data.node.kind === "COLUMN" && state.mode === "lineage") {
    guarded(() => selectColumn(data.node.id));
  } else if (data.node) {
    showDetails(data.node);
  }
}

// ---- impact mode -------------------------------------------------------------------------------

const IMPACT_DRAWN = 300;

async function openImpact(id, change, push = true) {
  startTiming();
  if (live) live.close();
  live = null;
  state.node = id;
  state.mode = "impact";
  state.change = change;
  state.path = null;
  state.to = null;
  showRoute(null);
  state.cols = [];
  state.x = [];
  showMode(state);
  status("walking the blast radius…");
  const report = await api.impact(id, change, state.asOf);
  const shown = nearestByVia(report.changed.id, report.affected).slice(0, IMPACT_DRAWN);
  model.addNode(report.changed);
  for (const a of shown) if (!model.nodes.has(a.id)) model.addNode({ ...a, deleted: false, declared: true });
  model.drawn = new Set([report.changed.id, ...shown.map((a) => a.id)].filter((x) => !x.startsWith("datasetField:")));
  await domainsReady;
  await fillDomains();
  // the nearest IMPACT_DRAWN, a tall rank wrapped into columns (view.ts); what the window does not
  // hold readably is reached by scrolling, the table lists them all
  const elements = impactElements(report.changed, shown);
  const whole = fits(cy, elements);
  await draw(cy, elements, { fresh: true, focus: id });
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(elements.filter((e) => e.group === "nodes").length);
  graph.dataset.hidden = String(report.affected.length - shown.length);
  const drawnNote = shown.length < report.affected.length ? `; the nearest ${shown.length} drawn, all in the table` : "";
  status(`impact of ${change}: ${report.affected.length} affected${report.breaking ? ", BREAKING" : ""}${report.truncated ? " (partial)" : ""}${drawnNote}` +
    `${whole ? "" : "; opened on the changed node at a readable size: scroll or drag for the rest (Fit shows it all, small)"}`);
  writeURL(push);
  panel.showImpact(report, shown.length, (nodeId) => guarded(() => openNode(nodeId)));
  showLegend(cy);
  markPainted();
}

// An impact view's elements: the changed node, the affected `shown`, the edges each came by.
function impactElements(changed, shown) {
  const ids = new Set([changed.id, ...shown.map((a) => a.id)]);
  const elements: any[] = [impactElement(changed, ["changed"])];
  for (const a of shown) elements.push(impactElement({ ...a, deleted: false, declared: true }, [a.severity, a.certain ? "" : "uncertain"]));
  for (const a of shown) {
    if (ids.has(a.via)) elements.push({ group: "edges", data: { id: `i|${a.via}|${a.id}`, source: a.via, target: a.id }, classes: "impact" });
  }
  return elements;
}

// A node of an impact view: a column is drawn on its own there, so named with its dataset.
function impactElement(node, classes) {
  const element = nodeElement(node, classes);
  if (node.kind === "COLUMN" && node.dataset) {
    element.data.label = fitLabel(`${node.dataset}.${node.name}`, LABEL_W, FONT_PX);
    element.classes += " named";
  }
  return element;
}

// ---- product lineage: products as nodes, their ports on the links (products.ts) ----------------
async function openProducts(id, push = true) {
  startTiming();
  if (live) live.close();
  live = null;
  Object.assign(state, { node: id, mode: "products", path: null, to: null, cols: [], x: [] });
  showRoute(null);
  showMode(state);
  status("walking the product lineage…");
  await domainsReady;
  status(await products.drawLineage(cy, id));
  await panel.showHolder({ kind: "DATA_PRODUCT", id, name: id.split(":").slice(2).join(":") }, (n) => guarded(() => openNode(n)), (p) => guarded(() => openProducts(p)));
  writeURL(push);
  showLegend(cy);
  markPainted();
}

document.getElementById("mode-impact").addEventListener("click", () => {
  const node = state.node && (model.nodes.get(state.node) || { id: state.node, kind: null });
  if (!node) return status("search for a dataset or column first");
  if (node.kind === "JOB" || state.mode === "products") return status("impact starts at a dataset or a column: pick one");
  guarded(() => openImpact(state.path || state.node, state.change));
});
document.getElementById("mode-lineage").addEventListener("click", () => {
  if (state.node && state.mode !== "products") {
    const id = state.node.startsWith("datasetField:") ? datasetOf(model.nodes.get(state.node) || {}) : state.node;
    guarded(() => openNode(id || state.node));
  }
});
document.getElementById("change-kind").addEventListener("change", (event) => {
  state.change = event.target.value;
  if (state.mode === "impact" && state.node) guarded(() => openImpact(state.node, state.change));
});

// ---- search ------------------------------------------------------------------------------------

async function pick(hit) {
  if (pickingPathFrom) return pickPathEnd(pickingPathFrom, hit);
  if (hit.kind === "DATASET" || hit.kind === "JOB") {
    if (state.mode === "impact" && hit.kind === "DATASET") return openImpact(hit.id, state.change);
    return openNode(hit.id);
  }
  if (hit.kind === "COLUMN") {
    const column = (await api.node(hit.id)) || hit;
    model.addNode(column);
    if (state.mode === "impact") return openImpact(hit.id, state.change);
    const dataset = datasetOf(column);
    if (dataset) return openNode(dataset, { cols: [], x: [], path: hit.id });
  }
  return panel.showHolder(hit, (id) => guarded(() => openNode(id)), (id) => guarded(() => openProducts(id)));
}

createSearch({ onPick: pick, onError: (error) => guarded(() => { throw error; }), onCancel: () => {
  if (pickingPathFrom) { endPathPick(); status("path search cancelled"); }
} });
document.getElementById("search").dataset.placeholder = document.getElementById("search").placeholder;
document.getElementById("route-clear").addEventListener("click", () => guarded(clearRoute));

// ---- controls ----------------------------------------------------------------------------------

createControls(cy, {
  onDepth: (depth) => {
    state.depth = depth;
    if (state.mode === "lineage" && state.node) guarded(() => openNode(state.node, { cols: state.cols, x: [], path: state.path, to: state.to }));
  },
  onColumns: (on) => {
    state.columns = on;
    guarded(async () => {
      if (state.mode === "lineage") await render();
      writeURL();
    });
  },
  name: () => (state.node ? (model.nodes.get(state.node)?.name || state.node) : "lineage"),
  onAsOf: (asOf) => {
    if (!setAsOf(validTime(asOf))) return;
    guarded(async () => {
      if (!state.node) return writeURL(true);
      if (state.mode !== "lineage") return restore(false);
      return openNode(state.node, { cols: state.cols, x: [], path: state.path, to: state.to });
    });
  },
});
onThemeChange(() => { if (state.node) guarded(() => (state.mode !== "lineage" ? restore(false) : render())); });

// ---- start: restore the view the URL names; Back and Forward restore theirs ---------------------

async function restore(push) {
  const wanted = readURL();
  state.change = wanted.change;
  state.depth = wanted.depth;
  state.columns = wanted.columns;
  setAsOf(wanted.asOf);
  showMode(state);
  if (!wanted.node) {
    state.node = null;
    status("search for a dataset, job or column");
    window.explorer.ready = true;
    return;
  }
  if (wanted.mode === "impact") return openImpact(wanted.node, wanted.change, push);
  if (wanted.mode === "products") return openProducts(wanted.node, push);
  return openNode(wanted.node, wanted, push);
}

// the domain list (for colours) and the server's offered fields are asked beside the first lineage
let domainsReady = Promise.resolve();

async function start() {
  domainsReady = api.domainNames().then(setDomains, (error) => console.warn("no domain list", error));
  api.offers("query", "neighbours").catch(() => {});
  await restore(false);
}

window.addEventListener("popstate", () => guarded(() => restore(false)));
guarded(start);
