// The explorer: search → a node's lineage, expanded one hop and one side at a time; columns on
// demand; impact mode; details beside; the view kept in the URL (#node=...&mode=...), so a link
// reproduces it.

import * as api from "./api.js";
import { DOWN, FAN_OUT, LineageModel, UP } from "./model.js";
import * as panel from "./panel.js";
import { createView, domainColour, draw, label } from "./view.js";

const WALK_DEPTH = 2;  // dataset hops fetched each side when a node is opened: what the first paint may draw

const model = new LineageModel();
const state = { node: null, mode: "lineage", change: "DROP", cols: [], x: [] };
const cy = createView(document.getElementById("graph"), (data) => tapped(data));
window.explorer = { model, cy, state, firstPaintMs: null, ready: false };

// ---- the URL holds the view --------------------------------------------------------------------

function writeURL() {
  const params = new URLSearchParams();
  if (state.node) params.set("node", state.node);
  if (state.mode !== "lineage") params.set("mode", state.mode);
  if (state.mode === "impact") params.set("change", state.change);
  for (const id of state.cols) params.append("cols", id);
  for (const step of state.x) params.append("x", step);
  const hash = params.toString();
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname);
  document.getElementById("permalink").href = location.href;
}

function readURL() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { node: params.get("node"), mode: params.get("mode") || "lineage", change: params.get("change") || "DROP",
    cols: params.getAll("cols"), x: params.getAll("x") };
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

// ---- lineage mode ------------------------------------------------------------------------------

async function openNode(id, restoring = null) {
  state.node = id;
  state.mode = "lineage";
  state.cols = restoring ? restoring.cols : [];
  state.x = [];
  setModeButtons();
  status("loading lineage…");
  const [up, down] = await Promise.all([api.lineage(id, "UPSTREAM", WALK_DEPTH), api.lineage(id, "DOWNSTREAM", WALK_DEPTH)]);
  model.merge(up, "UPSTREAM", id, WALK_DEPTH);
  model.merge(down, "DOWNSTREAM", id, WALK_DEPTH);
  if (!model.nodes.has(id)) {
    const node = await api.node(id);
    if (!node) throw new Error(`no node ${id}`);
    model.addNode(node);
  }
  model.open(id);
  for (const step of restoring ? restoring.x : []) {
    const [side, ...rest] = step.split(":");
    if (side === "one") drawOne(rest.join(":"), false);
    else await expand(rest.join(":"), side, false);
  }
  for (const dataset of state.cols) await loadColumns(dataset);
  await render();
  writeURL();
  showDetails(model.nodes.get(id));
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
  if (!(await api.offers("subscription", "lineageChanged"))) return;
  let first = true;  // the answer the page just drew
  live = api.subscribe(LIVE_QUERY, { id, depth: WALK_DEPTH }, () => {
    if (first) {
      first = false;
      return;
    }
    if (state.mode !== "lineage" || state.node !== id) return;
    status("the lineage changed: redrawn");
    window.explorer.liveUpdates = (window.explorer.liveUpdates || 0) + 1;
    guarded(() => openNode(id, { cols: [...state.cols], x: [...state.x] }));
  });
}

async function expand(id, side, redraw = true) {
  const direction = side === UP ? "UPSTREAM" : "DOWNSTREAM";
  if (model.hidden(id, side) !== null) {
    model.reveal(id, side);
  } else if (await api.offers("query", "neighbours")) {
    // the next page of the side's neighbours, FAN_OUT at a time, drawn as it comes
    const page = await api.neighbours(id, direction, FAN_OUT, model.cursors.get(`${side}|${id}`) || null);
    model.mergePage(id, side, page, !page.pageInfo.hasNextPage);
    for (const node of page.nodes) model.drawn.add(node.id);
  } else {
    model.merge(await api.lineage(id, direction, 1), direction, id, 1);
    model.reveal(id, side);
  }
  state.x.push(`${side}:${id}`);
  if (redraw) {
    await render();
    writeURL();
  }
}

async function loadColumns(datasetId) {
  const node = model.nodes.get(datasetId);
  if (!node || model.columns.has(datasetId)) return;
  const details = await api.datasetDetails(node.namespace, node.name);
  const columns = (details?.columns || []).filter((c) => c.current || !c.declared)
    .map((c) => ({ id: c.id, kind: "COLUMN", name: c.name, namespace: node.namespace, dataset: node.name, declared: c.declared, deleted: false }));
  model.columns.set(datasetId, columns);
  for (const answer of await api.columnEdges(columns.map((c) => c.id))) {
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

async function fillDomains() {
  const missing = [...model.drawn].map((id) => model.nodes.get(id))
    .filter((n) => n && n.kind === "DATASET" && n.domain === undefined && !model.domains.has(n.id));
  if (missing.length) for (const [id, domain] of await api.domainsOf(missing)) model.domains.set(id, domain);
}

function nodeElement(node, extra = []) {
  const classes = [node.kind, node.deleted ? "deleted" : "", node.declared === false ? "undeclared" : "", node.id === state.node ? "focus" : "", ...extra];
  const domain = node.domain !== undefined ? node.domain : model.domains.get(node.id);
  const colour = domain ? domainColour(domain) : node.kind === "JOB" ? "#f0f4f8" : domainColour(null);
  return { group: "nodes", data: { id: node.id, label: label(node), kind: node.kind, domain: domain || null, colour, node },
    classes: classes.filter(Boolean).join(" ") };
}

// The "+N" (or "N more", above FAN_OUT) node on one side of a drawn node: its hidden neighbours
// there; "+" alone when the server neither counted them nor were they fetched yet.
function stubElements(id, side) {
  const kind = model.nodes.get(id)?.kind;
  const hidden = model.hiddenCount(id, side);
  if (hidden === 0 || (kind !== "DATASET" && kind !== "JOB")) return [];
  const stubId = `stub|${side}|${id}`;
  const text = hidden === null ? "+" : hidden > FAN_OUT ? `${hidden} more` : `+${hidden}`;
  const edge = side === UP ? { source: stubId, target: id } : { source: id, target: stubId };
  return [
    { group: "nodes", data: { id: stubId, label: text, stub: { id, side, hidden } }, classes: "stub" },
    { group: "edges", data: { id: `e|${stubId}`, ...edge }, classes: "stub" },
  ];
}

async function render() {
  await fillDomains();
  const elements = [];
  const columnIds = new Set();
  for (const id of model.drawn) {
    const node = model.nodes.get(id);
    if (!node) continue;
    elements.push(nodeElement(node));
    if (state.cols.includes(id)) {
      for (const column of model.columns.get(id) || []) {
        columnIds.add(column.id);
        const element = nodeElement(column);
        element.data.parent = id;
        elements.push(element);
      }
    }
    // a node whose side is "unknown" only because nothing was asked yet still gets its "+"
    for (const side of [UP, DOWN]) elements.push(...stubElements(id, side));
  }
  for (const { source, target } of model.drawnEdges()) {
    elements.push({ group: "edges", data: { id: `e|${source}|${target}`, source, target } });
  }
  for (const edge of model.columnEdges.values()) {
    if (columnIds.has(edge.source) && columnIds.has(edge.target)) {
      elements.push({ group: "edges", data: { id: `c|${edge.source}|${edge.target}`, source: edge.source, target: edge.target }, classes: "column" });
    }
  }
  await draw(cy, elements);
  const hiddenTotal = elements.filter((e) => e.data.stub).reduce((sum, e) => sum + (e.data.stub.hidden || 0), 0);
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(model.drawn.size);
  graph.dataset.hidden = String(hiddenTotal);
  status(`${model.drawn.size} nodes drawn, ${hiddenTotal} hidden behind + nodes; ${model.nodes.size} known`);
  markPainted();
}

function markPainted() {
  if (window.explorer.firstPaintMs === null) window.explorer.firstPaintMs = performance.now();
  window.explorer.ready = true;
  document.body.dataset.painted = String(Number(document.body.dataset.painted || 0) + 1);
}

function showDetails(node) {
  if (!node) return;
  const actions = [];
  if (node.kind === "DATASET") {
    actions.push([state.cols.includes(node.id) ? "Hide columns" : "Show columns", "action-columns", () => guarded(() => toggleColumns(node.id))]);
  }
  if (node.kind === "DATASET" || node.kind === "COLUMN") {
    actions.push(["Impact of a change", "action-impact", () => guarded(() => openImpact(node.id, state.change))]);
  }
  if (node.id !== state.node && (node.kind === "DATASET" || node.kind === "JOB")) {
    actions.push(["Open its lineage", "action-open", () => guarded(() => openNode(node.id))]);
  }
  guarded(() => panel.showNode(node, actions, (id) => guarded(() => openNode(id))));
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
  if (data.stub) {
    guarded(async () => {
      const paged = data.stub.hidden !== null && data.stub.hidden > FAN_OUT;
      await expand(data.stub.id, data.stub.side);
      // what a page left hidden, listed with a filter to pick from
      const rest = model.hidden(data.stub.id, data.stub.side);
      if (paged && rest && rest.length) {
        panel.showHidden(model.nodes.get(data.stub.id), rest.map((id) => model.nodes.get(id)), (id) => guarded(() => drawOne(id)));
      }
    });
  } else if (data.node) {
    showDetails(data.node);
  }
}

// ---- impact mode -------------------------------------------------------------------------------

const IMPACT_DRAWN = 300;

async function openImpact(id, change) {
  if (live) live.close();
  live = null;
  state.node = id;
  state.mode = "impact";
  state.change = change;
  setModeButtons();
  status("walking the blast radius…");
  const report = await api.impact(id, change);
  const affected = [...report.affected].sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id));
  const shown = affected.slice(0, IMPACT_DRAWN);
  const ids = new Set([report.changed.id, ...shown.map((a) => a.id)]);
  model.drawn = new Set([...ids].filter((x) => !x.startsWith("datasetField:")));
  await fillDomains();
  const elements = [nodeElement(report.changed, ["changed"])];
  for (const a of shown) {
    elements.push(nodeElement({ ...a, deleted: false, declared: true }, [a.severity, a.certain ? "" : "uncertain"]));
  }
  for (const a of shown) {
    if (ids.has(a.via)) elements.push({ group: "edges", data: { id: `i|${a.via}|${a.id}`, source: a.via, target: a.id }, classes: "impact" });
  }
  await draw(cy, elements);
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(elements.filter((e) => e.group === "nodes").length);
  graph.dataset.hidden = String(affected.length - shown.length);
  status(`impact of ${change}: ${report.affected.length} affected${report.breaking ? ", BREAKING" : ""}${report.truncated ? " (partial)" : ""}`);
  writeURL();
  panel.showImpact(report, shown.length, (nodeId) => guarded(() => openNode(nodeId)));
  markPainted();
}

function setModeButtons() {
  document.getElementById("mode-lineage").classList.toggle("active", state.mode === "lineage");
  document.getElementById("mode-impact").classList.toggle("active", state.mode === "impact");
  const select = document.getElementById("change-kind");
  select.hidden = state.mode !== "impact";
  select.value = state.change;
}

document.getElementById("mode-impact").addEventListener("click", () => {
  const node = state.node && (model.nodes.get(state.node) || { id: state.node });
  if (!node) return status("search for a dataset or column first");
  if (node.kind === "JOB") return status("impact starts at a dataset or a column: pick one");
  guarded(() => openImpact(state.node, state.change));
});
document.getElementById("mode-lineage").addEventListener("click", () => {
  if (state.node) {
    const id = state.node.startsWith("datasetField:") ? datasetOf(model.nodes.get(state.node) || {}) : state.node;
    guarded(() => openNode(id || state.node));
  }
});
document.getElementById("change-kind").addEventListener("change", (event) => {
  state.change = event.target.value;
  if (state.mode === "impact" && state.node) guarded(() => openImpact(state.node, state.change));
});

// ---- search ------------------------------------------------------------------------------------

function datasetOf(column) {
  return column.namespace && column.dataset ? `dataset:${column.namespace}:${column.dataset}` : null;
}

async function pick(hit) {
  document.getElementById("search-results").hidden = true;
  if (hit.kind === "DATASET" || hit.kind === "JOB") {
    if (state.mode === "impact" && hit.kind === "DATASET") return openImpact(hit.id, state.change);
    return openNode(hit.id);
  }
  if (hit.kind === "COLUMN") {
    const column = (await api.node(hit.id)) || hit;
    model.addNode(column);
    if (state.mode === "impact") return openImpact(hit.id, state.change);
    const dataset = datasetOf(column);
    if (dataset) return openNode(dataset, { cols: [dataset], x: [] });
  }
  return panel.showHolder(hit, (id) => guarded(() => openNode(id)));
}

let searchTimer = null;
let hits = [];
const input = document.getElementById("search");
const results = document.getElementById("search-results");

async function runSearch() {
  const text = input.value.trim();
  if (!text) { results.hidden = true; hits = []; return; }
  hits = await api.search(text);
  results.innerHTML = "";
  for (const hit of hits) {
    const item = document.createElement("li");
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = hit.kind;
    item.append(kind, document.createTextNode(` ${hit.name || hit.id}`));
    item.title = hit.id;
    item.dataset.id = hit.id;
    item.addEventListener("mousedown", (event) => { event.preventDefault(); guarded(() => pick(hit)); });
    results.append(item);
  }
  if (!hits.length) results.innerHTML = `<li class="muted">no match</li>`;
  results.hidden = false;
}

input.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => guarded(runSearch), 150);
});
input.addEventListener("blur", () => setTimeout(() => { results.hidden = true; }, 150));
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  guarded(async () => {
    await runSearch();
    if (hits.length) await pick(hits[0]);
  });
});

// ---- start: restore the view the URL names ------------------------------------------------------

async function start() {
  const wanted = readURL();
  state.change = wanted.change;
  if (!wanted.node) {
    status("search for a dataset or job");
    window.explorer.ready = true;
    return;
  }
  if (wanted.mode === "impact") return openImpact(wanted.node, wanted.change);
  return openNode(wanted.node, wanted);
}

guarded(start);
