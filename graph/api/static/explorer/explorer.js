// graph/api/static/explorer/src/api.ts
var TOKEN_KEY = "lineagemesh.token";
var GraphQLError = class extends Error {
};
async function graphql(query, variables = {}) {
  for (; ; ) {
    const headers = { "content-type": "application/json", accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    if (response.status === 401) {
      sessionStorage.setItem(TOKEN_KEY, await askToken(Boolean(token)));
      continue;
    }
    const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (body.error) throw new GraphQLError(body.error);
    if (body.errors && body.errors.length) throw new GraphQLError(body.errors.map((e) => e.message).join("; "));
    return body.data;
  }
}
var asking = null;
function askToken(wasWrong) {
  if (!asking) asking = promptToken(wasWrong).finally(() => {
    asking = null;
  });
  return asking;
}
function promptToken(wasWrong) {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token");
  dialog.querySelector("p").textContent = wasWrong ? "That token was refused. Another token:" : "This server needs a token to read the graph.";
  input.value = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(input.value.trim()), { once: true });
  });
}
var offered = null;
async function offers(typeName, fieldName) {
  if (!offered) {
    offered = graphql(`{ query: __type(name: "Query") { fields { name } }
      node: __type(name: "LineageNode") { fields { name } }
      subscription: __type(name: "Subscription") { fields { name } } }`).then((data) => {
      const found = {};
      for (const [key, type] of Object.entries(data)) found[key] = new Set((type?.fields || []).map((f) => f.name));
      return found;
    });
    offered.catch(() => {
      offered = null;
    });
  }
  return (await offered)[typeName]?.has(fieldName) || false;
}
var NODE_FIELDS = "id kind namespace name dataset deleted declared";
var NODE_FACTS = ["upstreamCount", "downstreamCount", "domain", "latestRunState"];
async function nodeFields(past = false) {
  const facts = [];
  for (const name of NODE_FACTS) {
    if (past && name.endsWith("Count")) continue;
    if (await offers("node", name)) facts.push(name);
  }
  return [NODE_FIELDS, ...facts].join(" ");
}
async function lineage(nodeId, direction, depth, asOf = null) {
  const data = await graphql(`query($id: String!, $direction: LineageDirection, $depth: Int, $asOf: DateTime) {
    lineage(nodeId: $id, direction: $direction, depth: $depth, asOf: $asOf) {
      nodes { ${await nodeFields(Boolean(asOf))} } edges { source target kind } truncated } }`, { id: nodeId, direction, depth, asOf });
  return data.lineage;
}
async function lineagePaths(fromId, toId, depth, asOf = null) {
  const data = await graphql(
    `query($from: String!, $to: String!, $depth: Int, $asOf: DateTime) {
    lineagePaths(fromId: $from, toId: $to, depth: $depth, asOf: $asOf) {
      nodes { ${await nodeFields(Boolean(asOf))} } edges { source target kind } direction depth truncated } }`,
    { from: fromId, to: toId, depth, asOf }
  );
  return data.lineagePaths;
}
async function neighbours(nodeId, direction, first, after) {
  const data = await graphql(
    `query($id: String!, $direction: LineageDirection!, $first: Int, $after: String) {
    neighbours(nodeId: $id, direction: $direction, first: $first, after: $after) {
      nodes { ${await nodeFields()} } totalCount pageInfo { hasNextPage endCursor } } }`,
    { id: nodeId, direction, first, after }
  );
  return data.neighbours;
}
async function columnEdges(columnIds, asOf = null) {
  const edges = [];
  for (let i = 0; i < columnIds.length; i += 25) {
    const chunk = columnIds.slice(i, i + 25);
    const fields2 = chunk.map((id, n) => `c${n}: columnLineage(nodeId: ${JSON.stringify(id)}, direction: BOTH, depth: 1${asOf ? `, asOf: ${JSON.stringify(asOf)}` : ""}) {
      nodes { ${NODE_FIELDS} } edges { source target kind transformations { type subtype } } }`).join("\n");
    const data = await graphql(`{ ${fields2} }`);
    for (const answer of Object.values(data)) edges.push(answer);
  }
  return edges;
}
async function searchPage(text, filters, first, after) {
  const variables = {
    text,
    first,
    after,
    namespace: filters.namespace || null,
    domain: filters.domain || null,
    owner: filters.owner || null,
    tag: filters.tag || null,
    kinds: filters.kind ? [filters.kind] : null
  };
  const data = await graphql(
    `query($text: String!, $first: Int, $after: String, $kinds: [NodeKind!], $namespace: String,
    $domain: String, $owner: String, $tag: String) {
    searchConnection(text: $text, first: $first, after: $after, kinds: $kinds, namespace: $namespace, domain: $domain,
      owner: $owner, tag: $tag) { totalCount pageInfo { hasNextPage endCursor } nodes { id kind namespace name dataset domain } } }`,
    variables
  );
  return data.searchConnection;
}
async function domainNames() {
  const data = await graphql(`{ domains { name } }`);
  return (data.domains || []).map((d) => d.name);
}
async function columnPath(columnId, asOf = null) {
  const data = await graphql(`query($id: String!, $asOf: DateTime) { columnLineage(nodeId: $id, direction: BOTH, asOf: $asOf) {
    nodes { ${NODE_FIELDS} } edges { source target kind } truncated } }`, { id: columnId, asOf });
  return data.columnLineage;
}
async function node(id, asOf = null) {
  const data = await graphql(`query($id: String!) { node(id: $id) { ${await nodeFields(Boolean(asOf))} } }`, { id });
  return data.node;
}
async function healthOf(datasets) {
  const found = /* @__PURE__ */ new Map();
  if (!await offersType("Dataset", "health")) return found;
  for (let i = 0; i < datasets.length; i += 25) {
    const chunk = datasets.slice(i, i + 25);
    const fields2 = chunk.map((d, n) => `d${n}: dataset(namespace: ${JSON.stringify(d.namespace)}, name: ${JSON.stringify(d.name)}) { health { status } }`).join("\n");
    const data = await graphql(`{ ${fields2} }`);
    chunk.forEach((d, n) => found.set(d.id, data[`d${n}`]?.health?.status || null));
  }
  return found;
}
var typeFields = /* @__PURE__ */ new Map();
function offersType(typeName, fieldName) {
  if (!typeFields.has(typeName)) {
    typeFields.set(typeName, graphql(`query($t: String!) { __type(name: $t) { fields { name } } }`, { t: typeName }).then((data) => new Set((data.__type?.fields || []).map((f) => f.name)), () => /* @__PURE__ */ new Set()));
  }
  return typeFields.get(typeName).then((names) => names.has(fieldName));
}
async function datasetQuality(namespace, name) {
  const [health2, versions2] = await Promise.all([offersType("Dataset", "health"), offersType("Dataset", "versions")]);
  if (!health2 && !versions2) return null;
  const parts = [];
  if (health2) {
    parts.push(`health { status reasons { kind subject message assertion path } }
      assertions(first: 50) { totalCount nodes { id name assertionType column status success severity checkedAt source message } }`);
  }
  if (versions2) {
    parts.push(`versions(first: 10) { totalCount edges { node { version createdAt source origin previousVersion
      fields { name type required } changes { kind column old new severity description } } } }`);
  }
  const data = await graphql(
    `query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) { ${parts.join(" ")} } }`,
    { ns: namespace, name }
  );
  return data.dataset;
}
async function domainsOf(datasets) {
  const domains = /* @__PURE__ */ new Map();
  for (let i = 0; i < datasets.length; i += 25) {
    const chunk = datasets.slice(i, i + 25);
    const fields2 = chunk.map((d, n) => `d${n}: dataset(namespace: ${JSON.stringify(d.namespace)}, name: ${JSON.stringify(d.name)}) { domain { name } }`).join("\n");
    const data = await graphql(`{ ${fields2} }`);
    chunk.forEach((d, n) => domains.set(d.id, data[`d${n}`]?.domain?.name || null));
  }
  return domains;
}
async function datasetDetails(namespace, name) {
  const data = await graphql(`query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) {
    id namespace name description deleted declared lifecycleState createdAt updatedAt sourceName facets aliases
    owners { name type } domain { name }
    products { id name freshnessHours freshness { status ageHours lastUpdated } }
    columns { id name type description pii classification declared current }
    writtenBy { id name state latestRun { state startedAt endedAt } } readBy { id name } } }`, { ns: namespace, name });
  return data.dataset;
}
async function jobDetails(namespace, name) {
  const data = await graphql(`query($ns: String!, $name: String!) { job(namespace: $ns, name: $name) {
    id namespace name description createdAt updatedAt sql facets state owners { name type }
    latestRun { runId state startedAt endedAt }
    runsConnection(first: 20) { totalCount nodes { id runId state startedAt endedAt } }
    inputs { id name } outputs { id name } } }`, { ns: namespace, name });
  return data.job;
}
async function impact(nodeId, change, asOf = null) {
  const data = await graphql(`query($id: String!, $change: ChangeKind, $asOf: DateTime) { impact(nodeId: $id, change: $change, asOf: $asOf) {
    breaking truncated change
    changed { ${NODE_FIELDS} }
    affected { id kind namespace name dataset distance severity certain via }
    owners { name type } products { id name domain } domains { name }
    consumers { id kind name domain declared } contracts { id name status } } }`, { id: nodeId, change, asOf });
  return data.impact;
}
async function product(domain2, name) {
  const data = await graphql(`query($domain: String!, $name: String!) { dataProduct(domain: $domain, name: $name) {
    id name domain description version owners { name type } datasets { id namespace name }
    freshness { status ageHours lastUpdated } } }`, { domain: domain2, name });
  return data.dataProduct;
}
async function domain(name) {
  const data = await graphql(`query($name: String!) { domain(name: $name) {
    id name description owners { name type } products { id name } datasets { id namespace name } } }`, { name });
  return data.domain;
}
async function owner(name) {
  const data = await graphql(`query($name: String!) { owner(name: $name) { id name owns { ${NODE_FIELDS} } } }`, { name });
  return data.owner;
}
function subscribe(query, variables, onNext) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
  socket.addEventListener("open", () => {
    const token = sessionStorage.getItem(TOKEN_KEY);
    socket.send(JSON.stringify({ type: "connection_init", payload: token ? { Authorization: `Bearer ${token}` } : {} }));
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "live", type: "subscribe", payload: { query, variables } }));
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "next" && message.payload && message.payload.data) {
      onNext(message.payload.data);
    }
  });
  return { close: () => socket.close() };
}

// graph/api/static/explorer/src/theme.ts
var dark = window.matchMedia("(prefers-color-scheme: dark)");
var LIGHT = {
  text: "#1f2933",
  mutedText: "#52606d",
  border: "#52606d",
  focus: "#2f5dab",
  bad: "#c62828",
  warn: "#ef8c00",
  info: "#5c7c99",
  muted: "#7b8794",
  edge: "#9fb3c8",
  column: "#ffffff",
  column_edge: "#6a4c93",
  path: "#d81b60",
  pathFill: "#fce4ec",
  stubFill: "#ffffff",
  impact: "#e57373",
  noDomain: "#d9e2ec",
  job: "#f0f4f8",
  background: "#ffffff"
};
var DARK = {
  text: "#e4e7eb",
  mutedText: "#9aa5b1",
  border: "#9aa5b1",
  focus: "#8fb8ff",
  bad: "#ff6b6b",
  warn: "#ffb74d",
  info: "#90a4ae",
  muted: "#9aa5b1",
  edge: "#62748a",
  column: "#1f2933",
  column_edge: "#c3a6ff",
  path: "#ff5c9a",
  pathFill: "#5c1a33",
  stubFill: "#1a2230",
  impact: "#ef9a9a",
  noDomain: "#3e4c59",
  job: "#2b3543",
  background: "#12181f"
};
function colours() {
  return dark.matches ? DARK : LIGHT;
}
function onThemeChange(callback) {
  dark.addEventListener("change", callback);
}
var domainIndex = /* @__PURE__ */ new Map();
function setDomains(names) {
  domainIndex.clear();
  [...new Set(names)].sort().forEach((name, i) => domainIndex.set(name, i));
}
function domainColour(domain2) {
  if (!domain2) return colours().noDomain;
  if (!domainIndex.has(domain2)) domainIndex.set(domain2, domainIndex.size);
  const hue = (domainIndex.get(domain2) * 137.508 + 200) % 360;
  return dark.matches ? `hsl(${hue.toFixed(1)}, 45%, 32%)` : `hsl(${hue.toFixed(1)}, 70%, 82%)`;
}
function jobColour() {
  return colours().job;
}

// graph/api/static/explorer/src/view.ts
import cytoscape from "/static/vendor/cytoscape/cytoscape.esm.min.js";
import dagre from "/static/vendor/cytoscape-dagre/cytoscape-dagre.esm.min.js";
cytoscape.use(dagre);
var FONT_PX = 13;
var READABLE_PX = 11;
var NODE_W = 190;
var NODE_H = 36;
var COLUMN_H = 22;
var RANK_GAP = 90;
var ROW_GAP = 22;
var DRAWN_DATA = ["label", "colour", "domain", "tip", "kind", "order", "health"];
var MIN_ZOOM = (READABLE_PX + 0.3) / FONT_PX;
function style(c) {
  return [
    { selector: "node", style: {
      label: "data(label)",
      "font-size": FONT_PX,
      "text-valign": "center",
      "text-halign": "center",
      "text-wrap": "ellipsis",
      "text-max-width": NODE_W - 14,
      width: NODE_W,
      height: NODE_H,
      "background-color": "data(colour)",
      "border-width": 1,
      "border-color": c.border,
      color: c.text,
      "min-zoomed-font-size": 0
    } },
    { selector: "node.DATASET", style: { shape: "round-rectangle" } },
    { selector: "node.JOB", style: { shape: "ellipse", "border-style": "double", "border-width": 3, height: NODE_H - 2 } },
    { selector: "node.COLUMN", style: {
      shape: "rectangle",
      height: COLUMN_H - 2,
      width: NODE_W - 16,
      "font-size": FONT_PX - 1,
      "background-color": c.column,
      "text-max-width": NODE_W - 24
    } },
    { selector: "node.focus", style: { "border-width": 3, "border-color": c.focus } },
    { selector: "node.deleted", style: { "border-color": c.bad, "border-style": "dashed", "border-width": 2 } },
    { selector: "node.undeclared", style: { "border-color": c.muted, "border-style": "dotted", "border-width": 2, color: c.mutedText } },
    { selector: "node.stub", style: {
      shape: "round-rectangle",
      width: 56,
      height: 18,
      "font-size": FONT_PX - 2,
      "background-color": c.stubFill,
      "border-style": "solid",
      "border-width": 1,
      "border-color": c.focus,
      color: c.focus,
      "font-weight": "bold",
      "z-index": 20,
      "text-max-width": 200
    } },
    { selector: "node.cluster", style: {
      shape: "round-rectangle",
      width: NODE_W + 50,
      height: NODE_H + 6,
      "border-style": "double",
      "border-width": 4,
      "border-color": c.focus,
      "font-weight": "bold",
      "text-max-width": NODE_W + 36
    } },
    { selector: "edge.cluster", style: { "line-style": "dashed", width: 2 } },
    { selector: "node:parent", style: {
      "text-valign": "top",
      "text-halign": "center",
      "text-margin-y": -2,
      padding: 6,
      "background-opacity": 0.45,
      shape: "round-rectangle"
    } },
    { selector: "node:selected", style: { "overlay-color": c.focus, "overlay-opacity": 0.18 } },
    { selector: "edge", style: {
      width: 1.5,
      "line-color": c.edge,
      "target-arrow-color": c.edge,
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      "arrow-scale": 0.9
    } },
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
    { selector: "edge.impact", style: { "line-color": c.impact, "target-arrow-color": c.impact, width: 2 } }
  ];
}
function createView(container, onTap) {
  const cy2 = cytoscape({ container, style: style(colours()), minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
  cy2.on("tap", "node", (event) => onTap(event.target.data()));
  cy2.on("position", "node", (event) => {
    if (!event.target.hasClass("stub")) placeBadges(cy2, event.target);
  });
  onThemeChange(() => cy2.style(style(colours())));
  return cy2;
}
async function draw(cy2, elements, { fresh = false, focus = null, timed: timed2 = (_phase) => {
} } = {}) {
  const wanted = new Map(elements.map((e) => [e.data.id, e]));
  const before = /* @__PURE__ */ new Map();
  cy2.nodes().not(".stub").forEach((n) => {
    if (!n.isChild()) before.set(n.id(), { x: n.position("x"), box: bodyBox(n), parent: n.isParent() });
  });
  const added = [];
  cy2.batch(() => {
    if (fresh) cy2.elements().remove();
    cy2.elements().forEach((el) => {
      if (!wanted.has(el.id())) el.remove();
    });
    const order = [...wanted.values()].sort((a, b) => rank(a) - rank(b));
    for (const e of order) {
      const existing = cy2.getElementById(e.data.id);
      if (existing.length) {
        if (DRAWN_DATA.some((key) => existing.data(key) !== (e.data[key] ?? existing.data(key)))) existing.data(e.data);
        else existing.data().node = e.data.node ?? existing.data().node;
        if (existing.classes().join(" ") !== (e.classes || "").split(" ").filter(Boolean).join(" ")) existing.classes(e.classes || "");
      } else {
        added.push(cy2.add(e));
      }
    }
  });
  timed2("update");
  const newNodes = cy2.collection(added).nodes().not(".stub");
  const newTops = newNodes.filter((n) => !n.isChild());
  if (fresh || before.size === 0) {
    const kids = cy2.nodes().filter((n) => n.isChild()).remove();
    await layoutAll(cy2);
    const slots = new Map(cy2.nodes().not(".stub").map((n) => [n.id(), { x: n.position("x"), box: bodyBox(n) }]));
    kids.restore();
    stackAll(cy2, cy2.nodes(":parent").toArray(), slots);
    readableView(cy2, focus);
  } else {
    const slots = placeBeside(cy2, newTops, before);
    const filling = cy2.nodes(":parent").filter((p) => !before.get(p.id())?.parent).toArray();
    stackAll(cy2, filling, slots);
    for (const [id, was] of before) {
      const node2 = cy2.getElementById(id);
      if (was.parent && node2.length && !node2.isParent()) node2.position({ x: was.x, y: was.box.y1 + NODE_H / 2 });
    }
  }
  if (fresh || before.size === 0) cy2.nodes().not(".stub").forEach((n) => placeBadges(cy2, n));
  else {
    const owners2 = cy2.collection(added).nodes(".stub").map((b) => cy2.getElementById(b.data("stub").id));
    newTops.union(cy2.collection(owners2)).union(cy2.nodes(":parent")).forEach((n) => placeBadges(cy2, n));
  }
  timed2("place");
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return newNodes.map((n) => n.id());
}
function rank(e) {
  if (e.group === "edges") return 3;
  if (e.data.stub) return 2;
  return e.data.parent ? 1 : 0;
}
function layoutAll(cy2) {
  const eles = cy2.elements().not(".stub");
  const layout = eles.layout({ name: "dagre", rankDir: "LR", nodeSep: ROW_GAP, rankSep: RANK_GAP, edgeSep: 8, animate: false, fit: false });
  const done = new Promise((resolve) => layout.one("layoutstop", resolve));
  layout.run();
  return done;
}
function readableView(cy2, focus) {
  const lineage2 = cy2.nodes().not(".stub");
  cy2.fit(lineage2, 30);
  if (cy2.zoom() < MIN_ZOOM) {
    cy2.zoom(MIN_ZOOM);
    const target = focus ? cy2.getElementById(focus) : lineage2;
    cy2.center(target.length ? target : lineage2);
  } else if (cy2.zoom() > 1.4) {
    cy2.zoom(1.4);
    cy2.center(lineage2);
  }
}
function placeBeside(cy2, nodes, before) {
  const slots = new Map(before);
  const top = (n) => n.isChild() ? n.parent() : n;
  const around = (node2) => node2.union(node2.children());
  let pending = nodes.toArray();
  for (let guard = 0; pending.length && guard < 50; guard++) {
    const rest = [];
    const byAnchor = /* @__PURE__ */ new Map();
    for (const node2 of pending) {
      const fromUp = around(node2).incomers("node").map(top).filter((n) => slots.has(n.id()) && !n.same(node2));
      const fromDown = around(node2).outgoers("node").map(top).filter((n) => slots.has(n.id()) && !n.same(node2));
      const anchor = fromUp.length ? fromUp[0] : fromDown.length ? fromDown[0] : null;
      if (!anchor) {
        rest.push(node2);
        continue;
      }
      const dir = fromUp.length ? 1 : -1;
      const key = `${anchor.id()}|${dir}`;
      if (!byAnchor.has(key)) byAnchor.set(key, { anchor, dir, nodes: [] });
      byAnchor.get(key).nodes.push(node2);
    }
    const put = (node2, x, y) => {
      const box = { x1: x - NODE_W / 2, x2: x + NODE_W / 2, y1: y - NODE_H / 2, y2: y + NODE_H / 2 };
      slots.set(node2.id(), { x, box, parent: false });
      if (!node2.isParent()) node2.position({ x, y });
    };
    if (!byAnchor.size) {
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
function freeRows(x, y, count, slots) {
  const step = NODE_H + ROW_GAP;
  const half = NODE_H / 2 + ROW_GAP / 2;
  const spans = slots.filter((s) => Math.abs(s.x - x) < NODE_W).map((s) => [s.box.y1 - half, s.box.y2 + half]).sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [lo, hi] of spans) {
    const last = merged[merged.length - 1];
    if (last && lo < last[1]) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  const free = (c) => {
    let low = 0;
    let high = merged.length;
    while (low < high) {
      const mid = low + high >> 1;
      if (merged[mid][0] < c) low = mid + 1;
      else high = mid;
    }
    return low === 0 || c >= merged[low - 1][1];
  };
  const start2 = y - (count - 1) * step / 2;
  const block = Array.from({ length: count }, (_, i) => start2 + i * step);
  if (block.every(free)) return block;
  const rows = [];
  for (let k = 0; rows.length < count && k < 1e6; k++) {
    const candidate = y + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * step;
    if (free(candidate)) rows.push(candidate);
  }
  return rows.sort((a, b) => a - b);
}
function stackAll(cy2, parents, slots) {
  const order = parents.filter((p) => slots.has(p.id())).sort((a, b) => slots.get(a.id()).box.y1 - slots.get(b.id()).box.y1);
  const filling = new Set(order.map((p) => p.id()));
  for (const parent of order) {
    const slot = slots.get(parent.id());
    const kids = parent.children().sort((a, b) => a.data("order") - b.data("order"));
    const top = slot.box.y1 + 18;
    kids.forEach((k, i) => k.position({ x: slot.x, y: top + COLUMN_H / 2 + i * COLUMN_H }));
    const grown = parent.boundingBox({ includeLabels: false }).y2 - slot.box.y2;
    if (grown <= 0) continue;
    const below = (box, x) => Math.abs(x - slot.x) < NODE_W && box.y1 > slot.box.y2 - 1;
    for (const [id, other] of slots) {
      if (id === parent.id() || !below(other.box, other.x)) continue;
      other.box = { ...other.box, y1: other.box.y1 + grown, y2: other.box.y2 + grown };
      const node2 = cy2.getElementById(id);
      if (node2.length && !node2.isParent()) node2.shift({ x: 0, y: grown });
      else if (node2.length && !filling.has(id)) node2.children().shift({ x: 0, y: grown });
    }
  }
}
function bodyBox(node2) {
  if (node2.isParent()) return node2.boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false });
  const { x, y } = node2.position();
  const w = node2.outerWidth() / 2 + 1;
  const h = node2.outerHeight() / 2 + 1;
  return { x1: x - w, x2: x + w, y1: y - h, y2: y + h, w: 2 * w, h: 2 * h };
}
function placeBadges(cy2, node2) {
  if (node2.isChild()) return;
  const box = bodyBox(node2);
  for (const side of ["up", "down"]) {
    const badge = cy2.getElementById(`stub|${side}|${node2.id()}`);
    if (!badge.length) continue;
    const w = badge.outerWidth();
    badge.position({ x: side === "up" ? box.x1 + w / 2 + 2 : box.x2 - w / 2 - 2, y: node2.isParent() ? box.y2 + 2 : box.y1 - 2 });
  }
}
function zoomBy(cy2, factor) {
  const box = cy2.container().getBoundingClientRect();
  cy2.zoom({
    level: Math.min(Math.max(cy2.zoom() * factor, cy2.minZoom()), cy2.maxZoom()),
    renderedPosition: { x: box.width / 2, y: box.height / 2 }
  });
}
function fit(cy2) {
  cy2.fit(cy2.nodes(), 30);
}
function label(node2) {
  if (node2.kind === "COLUMN") return node2.name || node2.id;
  const name = node2.name || node2.id;
  return node2.deleted ? `${name} (dropped)` : name;
}
function fullName(node2) {
  if (!node2) return "";
  if (node2.kind === "COLUMN") return `column ${node2.namespace || ""} ${node2.dataset || ""}.${node2.name || ""}`;
  return `${(node2.kind || "").toLowerCase()} ${node2.namespace ? `${node2.namespace} ` : ""}${node2.name || node2.id}`;
}

// graph/api/static/explorer/src/controls.ts
function createControls(cy2, { onDepth, onColumns, onAsOf, name }) {
  document.getElementById("zoom-in").addEventListener("click", () => zoomBy(cy2, 1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomBy(cy2, 0.8));
  document.getElementById("fit").addEventListener("click", () => fit(cy2));
  document.getElementById("depth").addEventListener("change", (event) => onDepth(event.target.value));
  document.getElementById("columns-toggle").addEventListener("change", (event) => onColumns(event.target.checked));
  const picker = document.getElementById("as-of");
  let typing = null;
  const take = () => {
    clearTimeout(typing);
    if (picker.value) onAsOf(new Date(picker.value).toISOString());
  };
  picker.addEventListener("change", () => {
    clearTimeout(typing);
    typing = setTimeout(take, 400);
  });
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Enter") take();
  });
  document.getElementById("as-of-now").addEventListener("click", () => onAsOf(null));
  document.getElementById("export-svg").addEventListener("click", () => download(new Blob([toSVG(cy2)], { type: "image/svg+xml" }), `${fileName(name())}.svg`));
  document.getElementById("export-png").addEventListener("click", () => download(cy2.png({ full: true, scale: 2, output: "blob", bg: colours().background }), `${fileName(name())}.png`));
  tooltip(cy2);
  minimap(cy2);
  keyboard(cy2);
  window.explorer.toSVG = () => toSVG(cy2);
}
function fileName(text) {
  return `lineage-${String(text).replace(/[^A-Za-z0-9_.-]+/g, "_")}`;
}
function download(blob, filename) {
  const link2 = document.getElementById("export-link");
  if (link2.href) URL.revokeObjectURL(link2.href);
  link2.href = URL.createObjectURL(blob);
  link2.download = filename;
  link2.click();
}
function localInputValue(iso) {
  const time = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
}
function showAsOf(asOf) {
  const input = document.getElementById("as-of");
  const banner = document.getElementById("as-of-banner");
  input.value = asOf ? localInputValue(asOf) : "";
  document.getElementById("as-of-now").disabled = !asOf;
  banner.hidden = !asOf;
  document.getElementById("graph").classList.toggle("past", Boolean(asOf));
  if (asOf) {
    const shown = new Date(asOf).toISOString().replace("T", " ").replace(/(:00)?\.000Z$/, " UTC");
    banner.textContent = `Lineage as of ${shown}`;
  }
}
function showLegend(cy2) {
  const domains = /* @__PURE__ */ new Map();
  cy2.nodes().forEach((n) => {
    if (n.data("domain") && !n.isChild()) domains.set(n.data("domain"), n.data("colour"));
  });
  const list2 = document.getElementById("legend-domains");
  list2.replaceChildren(...[...domains].sort().map(([domain2, colour]) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colour;
    item.append(swatch, document.createTextNode(domain2));
    return item;
  }));
  if (!domains.size) {
    const item = document.createElement("li");
    item.className = "muted";
    item.textContent = "no domain on the datasets drawn";
    list2.append(item);
  }
}
function tooltip(cy2) {
  const tip = document.getElementById("tooltip");
  cy2.on("mouseover", "node", (event) => {
    const data = event.target.data();
    const node2 = data.node;
    const lines = data.tip ? [data.tip] : [fullName(node2)];
    if (node2 && node2.domain !== void 0 && data.domain) lines.push(`domain ${data.domain}`);
    else if (data.domain) lines.push(`domain ${data.domain}`);
    if (node2 && node2.latestRunState) lines.push(`latest run ${node2.latestRunState}`);
    if (node2 && node2.type) lines.push(`type ${node2.type}`);
    tip.textContent = lines.join("\n");
    const p = event.renderedPosition || event.target.renderedPosition();
    tip.style.left = `${Math.round(p.x + 14)}px`;
    tip.style.top = `${Math.round(p.y + 14)}px`;
    tip.hidden = false;
    event.target.addClass("hover");
  });
  cy2.on("mouseout", "node", (event) => {
    tip.hidden = true;
    event.target.removeClass("hover");
  });
  cy2.on("viewport", () => {
    tip.hidden = true;
  });
}
function keyboard(cy2) {
  const canvas = document.getElementById("graph-canvas");
  const status2 = document.getElementById("status");
  const drawn = () => cy2.nodes().not(".stub");
  const select = (node2) => {
    cy2.nodes().unselect();
    node2.select();
    const p = node2.renderedPosition();
    if (p.x < 40 || p.y < 40 || p.x > cy2.width() - 40 || p.y > cy2.height() - 40) cy2.center(node2);
    status2.textContent = `selected: ${node2.data("tip") || fullName(node2.data("node")) || node2.id()}`;
    window.explorer.selected = node2.id();
  };
  const nearest = (from, candidates) => {
    const p = from.position();
    let best = null;
    let bestDistance = Infinity;
    candidates.forEach((n) => {
      const q = n.position();
      const d = Math.hypot(q.x - p.x, (q.y - p.y) * 1.5);
      if (d < bestDistance) {
        best = n;
        bestDistance = d;
      }
    });
    return best;
  };
  canvas.addEventListener("keydown", (event) => {
    const current = cy2.nodes(":selected").not(".stub").first();
    const key = event.key;
    if (key === "+" || key === "=") {
      zoomBy(cy2, 1.25);
      event.preventDefault();
      return;
    }
    if (key === "-") {
      zoomBy(cy2, 0.8);
      event.preventDefault();
      return;
    }
    if (key === "0") {
      fit(cy2);
      event.preventDefault();
      return;
    }
    if (!current.length) {
      if (key.startsWith("Arrow") || key === "Enter") {
        const focus = cy2.nodes(".focus");
        if (focus.length || drawn().length) select(focus.length ? focus.first() : drawn().first());
        event.preventDefault();
      }
      return;
    }
    const p = current.position();
    let next = null;
    if (key === "ArrowRight") next = nearest(current, drawn().filter((n) => n.position("x") > p.x + 20));
    else if (key === "ArrowLeft") next = nearest(current, drawn().filter((n) => n.position("x") < p.x - 20));
    else if (key === "ArrowDown") next = nearest(current, drawn().filter((n) => n.position("y") > p.y + 5 && Math.abs(n.position("x") - p.x) < 120));
    else if (key === "ArrowUp") next = nearest(current, drawn().filter((n) => n.position("y") < p.y - 5 && Math.abs(n.position("x") - p.x) < 120));
    else if (key === "Enter") {
      current.emit("tap");
      event.preventDefault();
      return;
    } else if (key === "[" || key === "]") {
      const side = key === "[" ? "up" : "down";
      const badge = cy2.getElementById(`stub|${side}|${current.id()}`);
      const clusters = cy2.nodes(".cluster").filter((n) => n.data("cluster").id === current.id() && n.data("cluster").side === side);
      if (badge.length) badge.emit("tap");
      else if (clusters.length) clusters.first().emit("tap");
      event.preventDefault();
      return;
    } else return;
    event.preventDefault();
    if (next) select(next);
  });
}
function minimap(cy2) {
  const canvas = document.getElementById("minimap");
  const context = canvas.getContext("2d");
  let queued = false;
  let frame = null;
  const paint = () => {
    queued = false;
    const nodes = cy2.nodes().not(".stub");
    canvas.hidden = nodes.length < 2;
    if (canvas.hidden) return;
    const c = colours();
    const box = nodes.boundingBox({ includeLabels: false });
    const scale = Math.min(canvas.width / Math.max(box.w, 1), canvas.height / Math.max(box.h, 1)) * 0.92;
    const ox = (canvas.width - box.w * scale) / 2 - box.x1 * scale;
    const oy = (canvas.height - box.h * scale) / 2 - box.y1 * scale;
    frame = { scale, ox, oy };
    context.clearRect(0, 0, canvas.width, canvas.height);
    nodes.forEach((n) => {
      if (n.isChild()) return;
      const b = n.boundingBox({ includeLabels: false });
      context.fillStyle = n.hasClass("focus") ? c.focus : n.data("colour") || c.noDomain;
      context.fillRect(b.x1 * scale + ox, b.y1 * scale + oy, Math.max(b.w * scale, 2), Math.max(b.h * scale, 2));
    });
    const view = cy2.extent();
    context.strokeStyle = c.focus;
    context.lineWidth = 2;
    context.strokeRect(view.x1 * scale + ox, view.y1 * scale + oy, view.w * scale, view.h * scale);
  };
  const queue = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(paint);
    }
  };
  cy2.on("viewport add remove position", queue);
  canvas.addEventListener("click", (event) => {
    if (!frame) return;
    const r = canvas.getBoundingClientRect();
    const x = (event.clientX - r.left - frame.ox) / frame.scale;
    const y = (event.clientY - r.top - frame.oy) / frame.scale;
    cy2.pan({ x: cy2.width() / 2 - x * cy2.zoom(), y: cy2.height() / 2 - y * cy2.zoom() });
  });
}
function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}
function toSVG(cy2) {
  const c = colours();
  const box = cy2.elements().boundingBox();
  const pad = 20;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" width="${Math.round(box.w + 2 * pad)}" height="${Math.round(box.h + 2 * pad)}" font-family="system-ui, sans-serif">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c.edge}"/></marker></defs>`,
    `<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="${c.background}"/>`
  ];
  const nodeOrder = cy2.nodes().sort((a, b) => Number(b.isParent()) - Number(a.isParent()) || Number(a.hasClass("stub")) - Number(b.hasClass("stub")));
  for (const n of nodeOrder) {
    const b = n.boundingBox({ includeLabels: false, includeOverlays: false });
    const fill = n.style("background-color");
    const stroke = n.style("border-color");
    const shape = n.style("shape");
    const dash = n.style("border-style") === "dashed" ? ' stroke-dasharray="5,3"' : n.style("border-style") === "dotted" ? ' stroke-dasharray="2,2"' : "";
    const common = `fill="${fill}" fill-opacity="${n.isParent() ? 0.45 : 1}" stroke="${stroke}" stroke-width="${parseFloat(n.style("border-width")) || 1}"${dash}`;
    parts.push(`<g class="node" data-id="${esc(n.id())}"><title>${esc(n.data("tip") || fullName(n.data("node")) || n.id())}</title>`);
    if (shape === "ellipse") parts.push(`<ellipse cx="${(b.x1 + b.x2) / 2}" cy="${(b.y1 + b.y2) / 2}" rx="${b.w / 2}" ry="${b.h / 2}" ${common}/>`);
    else parts.push(`<rect x="${b.x1}" y="${b.y1}" width="${b.w}" height="${b.h}" rx="${shape === "rectangle" ? 0 : 5}" ${common}/>`);
    const labelY = n.isParent() ? b.y1 + 13 : (b.y1 + b.y2) / 2 + 4;
    parts.push(`<text x="${(b.x1 + b.x2) / 2}" y="${labelY}" text-anchor="middle" font-size="${parseFloat(n.style("font-size"))}" fill="${n.style("color")}">${esc(n.data("label"))}</text></g>`);
  }
  for (const e of cy2.edges()) {
    const s = e.sourceEndpoint();
    const t = e.targetEndpoint();
    parts.push(`<line x1="${s.x}" y1="${s.y}" x2="${t.x}" y2="${t.y}" stroke="${e.style("line-color")}" stroke-width="${parseFloat(e.style("width"))}" marker-end="url(#arrow)"/>`);
  }
  parts.push("</svg>");
  return parts.join("\n");
}

// graph/api/static/explorer/src/model.ts
var FAN_OUT = 50;
var FIRST_PAINT = 300;
var CLUSTER_MIN = 25;
var UP = "up";
var DOWN = "down";
var LineageModel = class _LineageModel {
  constructor() {
    this.nodes = /* @__PURE__ */ new Map();
    this.sides = { up: /* @__PURE__ */ new Map(), down: /* @__PURE__ */ new Map() };
    this.known = /* @__PURE__ */ new Set();
    this.drawn = /* @__PURE__ */ new Set();
    this.domains = /* @__PURE__ */ new Map();
    this.health = /* @__PURE__ */ new Map();
    this.columnsShown = /* @__PURE__ */ new Set();
    this.columns = /* @__PURE__ */ new Map();
    this.columnEdges = /* @__PURE__ */ new Map();
    this.cursors = /* @__PURE__ */ new Map();
    this.focus = null;
    this.path = null;
    this.route = null;
  }
  // Forgets everything: what is known of the graph at one moment is not another's.
  clear() {
    Object.assign(this, new _LineageModel());
  }
  neighbours(id, side) {
    return this.sides[side].get(id) || /* @__PURE__ */ new Set();
  }
  addNode(node2) {
    const had = this.nodes.get(node2.id);
    this.nodes.set(node2.id, had ? { ...had, ...node2 } : node2);
  }
  addEdge(source, target) {
    if (!this.sides.down.has(source)) this.sides.down.set(source, /* @__PURE__ */ new Set());
    if (!this.sides.up.has(target)) this.sides.up.set(target, /* @__PURE__ */ new Set());
    this.sides.down.get(source).add(target);
    this.sides.up.get(target).add(source);
  }
  // Merges a lineage answer walked UPSTREAM or DOWNSTREAM from `root`, `depth` dataset hops. It holds
  // every neighbour on the walk's side of the nodes nearer than its last hop (graph hops: a dataset
  // hop is two; from a job the first is one). `truncated` also says the depth left nodes out; a walk
  // that stopped short of its last hop was cut by a server budget, and then vouches for none.
  merge(answer, direction, root, depth) {
    for (const node2 of answer.nodes) this.addNode(node2);
    for (const edge of answer.edges) {
      if (edge.kind === "READS" || edge.kind === "WRITES") this.addEdge(edge.source, edge.target);
    }
    const side = direction === "UPSTREAM" ? UP : DOWN;
    const limit = depth === null ? Infinity : this.nodes.get(root)?.kind === "JOB" ? 2 * depth - 1 : 2 * depth;
    const inAnswer = new Set(answer.nodes.map((n) => n.id));
    const layers = [[root]];
    const seen = /* @__PURE__ */ new Set([root]);
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
    for (const node2 of page.nodes) {
      this.addNode(node2);
      if (side === UP) this.addEdge(node2.id, id);
      else this.addEdge(id, node2.id);
    }
    this.cursors.set(`${side}|${id}`, page.pageInfo.endCursor);
    if (last) this.known.add(`${side}|${id}`);
  }
  // Direct neighbours on one side the server counted (null: it does not count them).
  count(id, side) {
    const value2 = this.nodes.get(id)?.[side === UP ? "upstreamCount" : "downstreamCount"];
    return typeof value2 === "number" ? value2 : null;
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
    const groups = /* @__PURE__ */ new Map();
    for (const member of hidden) {
      const node2 = this.nodes.get(member) || {};
      const domain2 = node2.domain !== void 0 ? node2.domain : this.domains.get(member);
      const [by, name] = domain2 ? ["domain", domain2] : ["namespace", node2.namespace || "?"];
      const key = `${node2.kind}|${by}|${name}`;
      if (!groups.has(key)) groups.set(key, { key, kind: node2.kind, by, name, members: [] });
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
    this.drawn = /* @__PURE__ */ new Set([id]);
    this.path = null;
    const hops = depth === null ? Infinity : 2 * depth;
    for (const side of [UP, DOWN]) {
      let frontier = [id];
      for (let hop = 0; hop < hops && frontier.length; hop++) {
        const next = [];
        for (const n of frontier) {
          const hidden = this.hidden(n, side);
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
};

// graph/api/static/explorer/src/panel.ts
var panel = () => document.getElementById("panel");
function esc2(value2) {
  return String(value2 ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function link(id, text) {
  return `<a class="node-link" data-node="${esc2(id)}">${esc2(text ?? id)}</a>`;
}
function list(items, render2) {
  return items && items.length ? `<ul>${items.map((i) => `<li>${render2(i)}</li>`).join("")}</ul>` : `<p class="muted">none</p>`;
}
function owners(items) {
  return list(items, (o) => `${esc2(o.name)}${o.type ? ` <span class="muted">(${esc2(o.type)})</span>` : ""}`);
}
function facets(value2) {
  const names = Object.keys(value2 || {}).sort();
  if (!names.length) return `<p class="muted">none</p>`;
  const sections = names.map((name) => {
    const facet = value2[name];
    const failing = failingAssertions(facet);
    const flag = failing.length ? ` <span class="failing">${failing.length} failing</span>` : "";
    return `<details class="facet" data-facet="${esc2(name)}"${failing.length ? " open" : ""}><summary>${esc2(name)}${flag}</summary>${fields(facet, failing)}</details>`;
  });
  return `${sections.join("")}<details class="facet-json"><summary>JSON</summary><pre>${esc2(JSON.stringify(value2, null, 2))}</pre></details>`;
}
function failingAssertions(facet) {
  const assertions2 = facet && Array.isArray(facet.assertions) ? facet.assertions : [];
  return assertions2.filter((a) => a && a.success === false);
}
function fields(facet, failing) {
  if (facet === null || typeof facet !== "object") return `<p>${esc2(facet)}</p>`;
  const rows = Object.entries(facet).filter(([key]) => !key.startsWith("_"));
  if (!rows.length) return `<p class="muted">no fields</p>`;
  return `<dl class="facet">${rows.map(([key, v]) => `<dt>${esc2(key)}</dt><dd>${value(v, failing)}</dd>`).join("")}</dl>`;
}
function value(v, failing = []) {
  if (v === null || v === void 0) return `<span class="muted">\u2014</span>`;
  if (Array.isArray(v)) {
    if (!v.length) return `<span class="muted">none</span>`;
    if (v.every((x) => x === null || typeof x !== "object")) return esc2(v.join(", "));
    return `<ul>${v.slice(0, 50).map((x) => `<li${failing.includes(x) ? ' class="failing"' : ""}>${inline(x)}</li>`).join("")}</ul>${v.length > 50 ? `<span class="muted">${v.length - 50} more</span>` : ""}`;
  }
  if (typeof v === "object") return inline(v);
  return esc2(v);
}
function inline(x) {
  if (x === null || typeof x !== "object") return esc2(x);
  return Object.entries(x).filter(([key]) => !key.startsWith("_")).map(([key, v]) => `<span class="muted">${esc2(key)}</span> ${v !== null && typeof v === "object" ? esc2(JSON.stringify(v)) : esc2(v)}`).join(" \xB7 ");
}
function duration(startedAt, endedAt) {
  if (!startedAt || !endedAt) return "";
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 6e4) return `${(ms / 1e3).toFixed(ms < 1e4 ? 1 : 0)} s`;
  const minutes = Math.round(ms / 6e4);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
function runs(connection) {
  const items = connection?.nodes || [];
  if (!items.length) return `<p class="muted">none</p>`;
  return `<table id="runs"><thead><tr><th>state</th><th>started</th><th>duration</th></tr></thead><tbody>${items.map((r) => `<tr><td><span class="state-${esc2(r.state)}">${esc2(r.state || "\u2014")}</span></td><td>${esc2((r.startedAt || "").replace("T", " ").replace(/\.\d+/, ""))}</td><td>${esc2(duration(r.startedAt, r.endedAt))}</td></tr>`).join("")}</tbody></table>
    ${connection.totalCount > items.length ? `<p class="muted">the latest ${items.length} of ${connection.totalCount}</p>` : ""}`;
}
function health(h) {
  if (!h) return "";
  const reasons = h.reasons.map((r) => `<li><span class="muted">${esc2(r.kind.toLowerCase().replaceAll("_", " "))}</span> ${link(r.subject, shortName(r.subject))}: ${esc2(r.message)}${r.path.length > 2 ? `<br><span class="muted">via ${r.path.slice(1, -1).map((id) => link(id, shortName(id))).join(" \u2192 ")}</span>` : ""}</li>`);
  return `<h3>Health</h3><p id="health-status"><span class="health health-${esc2(h.status)}">${esc2(h.status.replace("_", " "))}</span></p>
    ${reasons.length ? `<ul id="health-reasons">${reasons.join("")}</ul>` : ""}`;
}
function shortName(id) {
  const parts = String(id).split(":");
  return parts.length > 2 ? parts.slice(2).join(":") : id;
}
function assertions(connection) {
  const items = [...connection?.nodes || []];
  if (!items.length) return `<h3>Checks</h3><p class="muted">none</p>`;
  const order = { FAIL: 0, ERROR: 1, SKIP: 2, PASS: 3 };
  items.sort((a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2) || a.name.localeCompare(b.name));
  const failed = items.filter((a) => !a.success).length;
  return `<h3>Checks (${failed} failing of ${connection.totalCount})</h3><table id="assertions"><thead><tr><th>check</th><th>column</th><th>result</th><th>severity</th></tr></thead><tbody>${items.map((a) => `<tr><td title="${esc2(a.message || a.assertionType || "")}">${esc2(a.name)}</td><td>${esc2(a.column || "")}</td><td><span class="assert-${esc2(a.status)}">${esc2(a.status)}</span></td><td class="muted">${esc2(a.severity)}${a.source ? ` \xB7 ${esc2(a.source)}` : ""}</td></tr>`).join("")}</tbody></table>`;
}
function versions(connection) {
  const items = (connection?.edges || []).map((e) => e.node);
  if (!items.length) return `<h3>Versions</h3><p class="muted">none recorded</p>`;
  const rows = items.map((v) => {
    const changes = v.changes.length ? `<ul>${v.changes.map((c) => `<li><span class="sev-${esc2(c.severity)}">${esc2(c.severity)}</span> ${esc2(c.description)}</li>`).join("")}</ul>` : `<br><span class="muted">${v.previousVersion ? "nothing that breaks a reader" : "the first version seen"}</span>`;
    return `<li class="version"><b>${esc2((v.createdAt || "").replace("T", " ").replace(/\.\d+/, ""))}</b> <span class="muted">${esc2(v.source)} \xB7 ${v.fields.length} columns</span>${changes}
      <details><summary>columns</summary>${v.fields.map((f) => `${esc2(f.name)} <span class="muted">${esc2(f.type || "")}${f.required ? " required" : ""}</span>`).join("<br>")}</details></li>`;
  });
  const breaking = items.reduce((n, v) => n + v.changes.filter((c) => c.severity === "BREAKING").length, 0);
  return `<h3>Versions (${connection.totalCount}${breaking ? `, ${breaking} breaking ${breaking === 1 ? "change" : "changes"} shown` : ""})</h3><ul id="versions">${rows.join("")}</ul>`;
}
function show(html, onLink) {
  const element = panel();
  element.innerHTML = html;
  element.querySelectorAll("[data-node]").forEach((a) => a.addEventListener("click", () => onLink(a.dataset.node)));
  return element;
}
async function showNode(node2, actions, onLink) {
  show(`<h2>${esc2(node2.name || node2.id)}</h2><p class="muted">${esc2(node2.kind)} \xB7 ${esc2(node2.namespace || "")}</p><p>loading\u2026</p>`, onLink);
  const buttons = actions.map(([text, id]) => `<button type="button" id="${id}">${esc2(text)}</button>`).join("");
  let body = "";
  let quality = null;
  if (node2.kind === "DATASET") {
    const d = await datasetDetails(node2.namespace, node2.name);
    if (!d) {
      body = `<p class="muted">not in the graph</p>`;
    } else {
      const writer = d.writtenBy.find((j) => j.latestRun) || d.writtenBy[0];
      const run = writer?.latestRun;
      body = `
        ${d.description ? `<p>${esc2(d.description)}</p>` : ""}
        <table id="details">
          <tr><th>domain</th><td id="detail-domain">${esc2(d.domain?.name || "\u2014")}</td></tr>
          <tr><th>state</th><td>${d.deleted ? "dropped" : d.declared ? "current" : "undeclared"}${d.lifecycleState ? ` (${esc2(d.lifecycleState)})` : ""}</td></tr>
          <tr><th>latest run</th><td>${run ? `<span class="state-${esc2(run.state)}">${esc2(run.state)}</span> ${esc2(run.endedAt || run.startedAt || "")} by ${link(writer.id, writer.name)}` : "\u2014"}</td></tr>
          <tr><th>updated</th><td>${esc2(d.updatedAt || "\u2014")}</td></tr>
          <tr><th>source</th><td>${esc2(d.sourceName || "\u2014")}</td></tr>
        </table>
        <h3>Owners</h3>${owners(d.owners)}
        <h3>Products</h3>${list(d.products, (p) => `${esc2(p.name)} <span class="muted">freshness ${esc2(p.freshness.status)}${p.freshness.ageHours != null ? `, ${p.freshness.ageHours.toFixed(1)} h old` : ""}${p.freshnessHours != null ? ` (SLO ${p.freshnessHours} h)` : ""}</span>`)}
        <h3>Schema (${d.columns.length} columns)</h3>
        <table>${d.columns.map((c) => `<tr><td>${esc2(c.name)}${c.pii ? ' <span class="badge BREAKING">PII</span>' : ""}</td><td>${esc2(c.type || "")}</td><td class="muted">${c.current ? "" : "removed"}${c.declared ? "" : " undeclared"}</td></tr>`).join("")}</table>
        <div id="quality" data-for="${esc2(node2.id)}"><p class="muted">health and versions loading\u2026</p></div>
        <h3>Facets</h3>${facets(d.facets)}
        ${d.aliases.length ? `<h3>Aliases</h3>${list(d.aliases, esc2)}` : ""}`;
      quality = datasetQuality(node2.namespace, node2.name).catch((error) => {
        console.warn("no health", error);
        return null;
      });
    }
  } else if (node2.kind === "JOB") {
    const j = await jobDetails(node2.namespace, node2.name);
    if (!j) {
      body = `<p class="muted">not in the graph</p>`;
    } else {
      const run = j.latestRun;
      body = `
        ${j.description ? `<p>${esc2(j.description)}</p>` : ""}
        <table id="details">
          <tr><th>latest run</th><td>${run ? `<span class="state-${esc2(run.state)}">${esc2(run.state)}</span> ${esc2(run.endedAt || run.startedAt || "")}` : "\u2014"}</td></tr>
          <tr><th>updated</th><td>${esc2(j.updatedAt || "\u2014")}</td></tr>
        </table>
        <h3>Owners</h3>${owners(j.owners)}
        <h3>Runs</h3>${runs(j.runsConnection)}
        <h3>Reads</h3>${list(j.inputs, (d) => link(d.id, d.name))}
        <h3>Writes</h3>${list(j.outputs, (d) => link(d.id, d.name))}
        ${j.sql ? `<h3>SQL</h3><pre>${esc2(j.sql)}</pre>` : ""}
        <h3>Facets</h3>${facets(j.facets)}`;
    }
  } else {
    body = `<p class="muted">${esc2(node2.id)}</p>`;
  }
  const element = show(`<h2>${esc2(node2.name || node2.id)}</h2><p class="muted">${esc2(node2.kind)} \xB7 ${esc2(node2.namespace || "")}</p>
    <div class="actions">${buttons}</div>${body}`, onLink);
  for (const [, id, callback] of actions) element.querySelector(`#${id}`).addEventListener("click", callback);
  if (quality) {
    const q = await quality;
    const slot = element.querySelector("#quality");
    if (slot && slot.dataset.for === node2.id) {
      slot.innerHTML = q ? `${q.health ? health(q.health) : ""}${q.assertions ? assertions(q.assertions) : ""}${q.versions ? versions(q.versions) : ""}` : "";
      slot.querySelectorAll("[data-node]").forEach((a) => a.addEventListener("click", () => onLink(a.dataset.node)));
    }
  }
}
async function showHolder(hit, onLink) {
  let html = `<h2>${esc2(hit.name || hit.id)}</h2><p class="muted">${esc2(hit.kind)}</p>`;
  if (hit.kind === "DATA_PRODUCT") {
    const [, domain2, ...rest] = hit.id.split(":");
    const p = await product(domain2, rest.join(":"));
    html += p ? `<p>${esc2(p.description || "")}</p><h3>Owners</h3>${owners(p.owners)}
      <h3>Freshness</h3><p>${esc2(p.freshness.status)}</p><h3>Datasets</h3>${list(p.datasets, (d) => link(d.id, d.name))}` : "";
  } else if (hit.kind === "DOMAIN") {
    const d = await domain(hit.name || hit.id.slice("domain:".length));
    html += d ? `<h3>Owners</h3>${owners(d.owners)}<h3>Products</h3>${list(d.products, (p) => esc2(p.name))}
      <h3>Datasets</h3>${list(d.datasets.slice(0, 200), (x) => link(x.id, x.name))}` : "";
  } else if (hit.kind === "OWNER") {
    const o = await owner(hit.name || hit.id.slice("owner:".length));
    html += o ? `<h3>Owns</h3>${list(o.owns.slice(0, 200), (x) => x.kind === "DATASET" || x.kind === "JOB" ? link(x.id, x.name) : esc2(x.id))}` : "";
  }
  show(html, onLink);
}
var SEVERITY_RANK = { BREAKING: 0, WARNING: 1, INFO: 2 };
var IMPACT_COLUMNS = [
  ["severity", (a) => SEVERITY_RANK[a.severity] ?? 9],
  ["name", (a) => (a.dataset ? `${a.dataset}.${a.name}` : a.name || a.id).toLowerCase()],
  ["kind", (a) => a.kind],
  ["hops", (a) => a.distance]
];
var TABLE_ROWS = 2e3;
function showImpact(report, drawnCount, onLink) {
  const element = show(`<h2>Impact: ${esc2(report.change)} ${esc2(report.changed.name || report.changed.id)}</h2>
    <p id="impact-summary">${report.breaking ? '<span class="badge BREAKING">BREAKING</span>' : '<span class="badge INFO">nothing breaks</span>'}
      ${report.affected.length} affected${report.truncated ? " (partial: a budget cut the walk short)" : ""}${drawnCount < report.affected.length ? `, ${drawnCount} drawn` : ""}</p>
    <h3>Owners to notify</h3><div id="impact-owners">${owners(report.owners)}</div>
    <h3>Products</h3><div id="impact-products">${list(report.products, (p) => `${esc2(p.name)} <span class="muted">(${esc2(p.domain)})</span>`)}</div>
    <h3>Contracts broken</h3><div id="impact-contracts">${list(report.contracts, (c) => `${esc2(c.name || c.id)}${c.status ? ` <span class="muted">${esc2(c.status)}</span>` : ""}`)}</div>
    <h3>Consumers</h3>${list(report.consumers, (c) => `${esc2(c.name || c.id)} <span class="muted">${esc2(c.domain || "")}${c.declared ? "" : " observed"}</span>`)}
    <h3>Domains</h3>${list(report.domains, (d) => esc2(d.name))}
    <h3>Affected</h3>
    <div class="table-tools"><input id="impact-filter" type="search" placeholder="filter" aria-label="Filter affected">
      <button type="button" id="impact-csv" aria-label="Download CSV">CSV</button><a id="impact-csv-link" hidden></a></div>
    <p id="impact-count" class="muted"></p>
    <table id="impact-affected"><thead><tr>${IMPACT_COLUMNS.map(([name]) => `<th data-sort="${name}" aria-sort="none" tabindex="0">${name}</th>`).join("")}</tr></thead><tbody></tbody></table>`, onLink);
  let sort = { column: "hops", descending: false };
  const filter = element.querySelector("#impact-filter");
  const body = element.querySelector("#impact-affected tbody");
  const rowsShown = () => {
    const text = filter.value.trim().toLowerCase();
    const key = IMPACT_COLUMNS.find(([name]) => name === sort.column)[1];
    const matching = report.affected.filter((a) => !text || [a.severity, a.name, a.dataset, a.kind, a.namespace, a.id].some((v) => String(v ?? "").toLowerCase().includes(text)));
    return matching.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const order = x < y ? -1 : x > y ? 1 : a.id.localeCompare(b.id);
      return sort.descending ? -order : order;
    });
  };
  const fill = () => {
    const rows = rowsShown();
    body.innerHTML = rows.slice(0, TABLE_ROWS).map((a) => `<tr data-id="${esc2(a.id)}" title="${esc2(a.namespace || "")}"><td><span class="badge ${esc2(a.severity)}">${esc2(a.severity)}</span></td>
      <td>${a.kind === "DATASET" || a.kind === "JOB" ? link(a.id, a.name) : esc2(a.dataset ? `${a.dataset}.${a.name}` : a.name || a.id)}${a.certain ? "" : ' <span class="muted">(uncertain)</span>'}</td>
      <td class="muted">${esc2((a.kind || "").toLowerCase())}</td><td>${a.distance}</td></tr>`).join("");
    body.querySelectorAll("[data-node]").forEach((x) => x.addEventListener("click", () => onLink(x.dataset.node)));
    element.querySelector("#impact-count").textContent = `${rows.length} of ${report.affected.length}${rows.length > TABLE_ROWS ? `, the first ${TABLE_ROWS} listed` : ""}`;
    element.querySelectorAll("#impact-affected th").forEach((th) => th.setAttribute(
      "aria-sort",
      th.dataset.sort === sort.column ? sort.descending ? "descending" : "ascending" : "none"
    ));
  };
  element.querySelectorAll("#impact-affected th").forEach((th) => {
    const resort = () => {
      sort = { column: th.dataset.sort, descending: sort.column === th.dataset.sort ? !sort.descending : false };
      fill();
    };
    th.addEventListener("click", resort);
    th.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        resort();
      }
    });
  });
  filter.addEventListener("input", fill);
  element.querySelector("#impact-csv").addEventListener("click", () => {
    const header = ["severity", "id", "kind", "namespace", "dataset", "name", "distance", "certain", "via"];
    const lines = [header, ...rowsShown().map((a) => [a.severity, a.id, a.kind, a.namespace, a.dataset, a.name, a.distance, a.certain, a.via])].map((row) => row.map(csvCell).join(","));
    const anchor = element.querySelector("#impact-csv-link");
    if (anchor.href) URL.revokeObjectURL(anchor.href);
    anchor.href = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }));
    anchor.download = `impact-${report.change}-${String(report.changed.name || report.changed.id).replace(/[^A-Za-z0-9_.-]+/g, "_")}.csv`;
    anchor.click();
  });
  fill();
}
function csvCell(value2) {
  let text = String(value2 ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
function showHidden(node2, hidden, onPick) {
  const element = show(`<h2>${esc2(hidden.length)} more beside ${esc2(node2?.name || node2?.id || "")}</h2>
    <p class="muted">Click the "more" node for the next page, or pick one here.</p>
    <input id="hidden-filter" type="search" placeholder="filter by name" aria-label="filter hidden neighbours">
    <ul id="hidden-list"></ul>`, onPick);
  const input = element.querySelector("#hidden-filter");
  const listed = element.querySelector("#hidden-list");
  const fill = () => {
    const text = input.value.trim().toLowerCase();
    const matching = hidden.filter((n) => n && (n.name || n.id).toLowerCase().includes(text)).slice(0, 200);
    listed.innerHTML = matching.map((n) => `<li>${link(n.id, n.name || n.id)}</li>`).join("");
    listed.querySelectorAll("[data-node]").forEach((a) => a.addEventListener("click", () => {
      a.parentElement.remove();
      onPick(a.dataset.node);
    }));
  };
  input.addEventListener("input", fill);
  fill();
}
function showError(message) {
  const element = panel();
  element.innerHTML = `<h2>Error</h2><p id="error">${esc2(message)}</p>`;
}

// graph/api/static/explorer/src/search.ts
var PAGE = 20;
function createSearch({ onPick, onError, onCancel = () => {
} }) {
  const input = document.getElementById("search");
  const results = document.getElementById("search-results");
  const form = document.getElementById("search-form");
  const filters = {
    kind: document.getElementById("filter-kind"),
    namespace: document.getElementById("filter-namespace"),
    domain: document.getElementById("filter-domain"),
    owner: document.getElementById("filter-owner"),
    tag: document.getElementById("filter-tag")
  };
  let hits = [];
  let total = 0;
  let cursor = null;
  let active = -1;
  let timer = null;
  let asked = 0;
  const guarded2 = (work) => work().catch(onError);
  function open(isOpen) {
    results.hidden = !isOpen;
    input.setAttribute("aria-expanded", String(isOpen));
    if (!isOpen) setActive(-1);
  }
  function setActive(index) {
    active = index;
    const items = results.querySelectorAll("li[role=option]");
    items.forEach((li, i) => {
      li.classList.toggle("active", i === index);
      li.setAttribute("aria-selected", String(i === index));
    });
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function chosenFilters() {
    const chosen = {};
    for (const [key, element] of Object.entries(filters)) if (element && element.value.trim()) chosen[key] = element.value.trim();
    return chosen;
  }
  async function run(more = false) {
    const text = input.value.trim();
    if (!text) {
      hits = [];
      open(false);
      return;
    }
    const question = ++asked;
    const page = await searchPage(text, chosenFilters(), PAGE, more ? cursor : null);
    if (question !== asked) return;
    hits = more ? [...hits, ...page.nodes] : page.nodes;
    total = page.totalCount;
    cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    renderList();
    open(true);
  }
  function renderList() {
    results.innerHTML = "";
    hits.forEach((hit, i) => {
      const item = document.createElement("li");
      item.id = `search-hit-${i}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.id = hit.id;
      item.dataset.kind = hit.kind;
      item.title = hit.id;
      const kind = document.createElement("span");
      kind.className = `kind kind-${hit.kind}`;
      kind.textContent = hit.kind.replace("_", " ").toLowerCase();
      const name = document.createElement("span");
      name.className = "hit-name";
      name.textContent = hit.kind === "COLUMN" && hit.dataset ? hit.name : hit.name || hit.id;
      const where = document.createElement("span");
      where.className = "hit-where";
      where.textContent = [hit.kind === "COLUMN" && hit.dataset ? `in ${hit.dataset}` : "", hit.namespace || "", hit.domain ? `domain ${hit.domain}` : ""].filter(Boolean).join(" \xB7 ");
      item.append(kind, name, where);
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      results.append(item);
    });
    const summary = document.createElement("li");
    summary.className = "muted summary";
    summary.setAttribute("role", "presentation");
    summary.id = "search-total";
    summary.textContent = hits.length ? `${hits.length} of ${total} match${total === 1 ? "" : "es"}` : "no match";
    if (cursor) {
      const more = document.createElement("button");
      more.type = "button";
      more.id = "search-more";
      more.textContent = "more";
      more.addEventListener("mousedown", (event) => {
        event.preventDefault();
        guarded2(() => run(true));
      });
      summary.append(" ", more);
    }
    results.append(summary);
    setActive(-1);
  }
  function choose(index) {
    const hit = hits[index];
    if (!hit) return;
    open(false);
    input.value = hit.kind === "COLUMN" && hit.dataset ? `${hit.dataset}.${hit.name}` : hit.name || hit.id;
    guarded2(() => onPick(hit));
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => guarded2(() => run()), 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (results.hidden) {
        guarded2(() => run());
        return;
      }
      const n = hits.length;
      if (!n) return;
      setActive(event.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (event.key === "Escape") {
      if (!results.hidden) {
        event.preventDefault();
        open(false);
      } else onCancel();
    } else if (event.key === "Enter") {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("blur", () => setTimeout(() => open(false), 150));
  for (const element of Object.values(filters)) {
    if (element) element.addEventListener("change", () => guarded2(() => run()));
  }
  function submit() {
    clearTimeout(timer);
    guarded2(async () => {
      if (active >= 0 && !results.hidden) return choose(active);
      await run();
      if (hits.length) choose(0);
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
}

// graph/api/static/explorer/src/main.ts
var DEFAULT_DEPTH = "2";
var PATH_DEPTH = 10;
var model = new LineageModel();
var state = {
  node: null,
  mode: "lineage",
  change: "DROP",
  cols: [],
  x: [],
  depth: DEFAULT_DEPTH,
  columns: false,
  path: null,
  asOf: null,
  to: null
};
var pickingPathFrom = null;
var cy = createView(document.getElementById("graph-canvas"), (data) => tapped(data));
window.explorer = { model, cy, state, firstPaintMs: null, ready: false, timings: {} };
var timings = {};
var timedFrom = performance.now();
var timing = false;
function timed(phase) {
  const now = performance.now();
  timings[phase] = (timings[phase] || 0) + now - timedFrom;
  timedFrom = now;
}
function startTiming() {
  timings = {};
  timedFrom = performance.now();
  timing = true;
}
function writeURL(push = false) {
  const params = new URLSearchParams();
  if (state.node) params.set("node", state.node);
  if (state.mode !== "lineage") params.set("mode", state.mode);
  if (state.mode === "impact") params.set("change", state.change);
  if (state.depth !== DEFAULT_DEPTH) params.set("depth", state.depth);
  if (state.columns) params.set("columns", "1");
  if (state.path) params.set("path", state.path);
  if (state.to) params.set("to", state.to);
  if (state.asOf) params.set("at", state.asOf);
  for (const id of state.cols) params.append("cols", id);
  for (const step of state.x) params.append("x", step);
  const hash = params.toString();
  const url = hash ? `#${hash}` : location.pathname;
  if (push && location.hash !== `#${hash}`) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  document.getElementById("permalink").href = location.href;
}
function readURL() {
  const params = new URLSearchParams(location.hash.slice(1));
  return {
    node: params.get("node"),
    mode: params.get("mode") || "lineage",
    change: params.get("change") || "DROP",
    cols: params.getAll("cols"),
    x: params.getAll("x"),
    depth: params.get("depth") || DEFAULT_DEPTH,
    columns: params.get("columns") === "1",
    path: params.get("path"),
    to: params.get("to"),
    asOf: validTime(params.get("at"))
  };
}
function validTime(text) {
  if (!text) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time.toISOString().replace(".000Z", "Z");
}
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
    showError(error.message || String(error));
    status(`error: ${error.message || error}`);
  }
}
function walkDepth() {
  return state.depth === "all" ? null : Number(state.depth);
}
async function openNode(id, restoring = null, push = true) {
  startTiming();
  state.node = id;
  state.mode = "lineage";
  state.cols = restoring ? [...restoring.cols] : [];
  state.path = restoring ? restoring.path : null;
  state.to = restoring ? restoring.to || null : null;
  state.x = [];
  setModeButtons();
  status("loading lineage\u2026");
  const depth = walkDepth();
  const [up, down] = await Promise.all([lineage(id, "UPSTREAM", depth, state.asOf), lineage(id, "DOWNSTREAM", depth, state.asOf)]);
  model.merge(up, "UPSTREAM", id, depth);
  model.merge(down, "DOWNSTREAM", id, depth);
  if (!model.nodes.has(id)) {
    const node2 = await node(id, state.asOf);
    if (!node2) throw new Error(`no node ${id}`);
    model.addNode(node2);
  }
  model.open(id, depth);
  showRoute(null);
  for (const step of restoring ? restoring.x : []) {
    const [side, ...rest] = step.split(":");
    if (side === "one") drawOne(rest.join(":"), false);
    else if (side === "cluster") expandCluster(rest[0], decodeURIComponent(rest[1]), rest.slice(2).join(":"), false);
    else await expand(rest.join(":"), side, false);
  }
  if (state.path) await loadPath(state.path);
  if (state.to) await loadRoute(id, state.to);
  await render({ fresh: true });
  writeURL(push);
  const shown = state.path ? model.nodes.get(state.path) : null;
  showDetails(shown || model.nodes.get(id));
  await follow(id);
}
var LIVE_QUERY = `subscription Live($id: String!, $depth: Int) {
  lineageChanged(nodeId: $id, direction: BOTH, depth: $depth) { nodes { id } edges { source target kind } truncated }
}`;
var live = null;
async function follow(id) {
  if (live) live.close();
  live = null;
  if (state.asOf) return;
  if (!await offers("subscription", "lineageChanged")) return;
  let first = true;
  live = subscribe(LIVE_QUERY, { id, depth: walkDepth() }, () => {
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
async function refresh(id) {
  const depth = walkDepth();
  const [up, down] = await Promise.all([lineage(id, "UPSTREAM", depth), lineage(id, "DOWNSTREAM", depth)]);
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
  } else if (!state.asOf && await offers("query", "neighbours")) {
    const page = await neighbours(id, direction, FAN_OUT, model.cursors.get(`${side}|${id}`) || null);
    model.mergePage(id, side, page, !page.pageInfo.hasNextPage);
    for (const node2 of page.nodes) model.drawn.add(node2.id);
  } else {
    model.merge(await lineage(id, direction, 1, state.asOf), direction, id, 1);
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
  const node2 = model.nodes.get(datasetId);
  if (!node2 || model.columns.has(datasetId)) return;
  const details = await datasetDetails(node2.namespace, node2.name);
  const columns = (details?.columns || []).filter((c) => c.current || !c.declared).map((c, i) => ({
    id: c.id,
    kind: "COLUMN",
    name: c.name,
    namespace: node2.namespace,
    dataset: node2.name,
    declared: c.declared,
    deleted: false,
    order: c.ordinal ?? 1e6 + i,
    type: c.type
  })).sort((a, b) => a.order - b.order);
  columns.forEach((c, i) => {
    c.order = i;
  });
  model.columns.set(datasetId, columns);
  for (const answer of await columnEdges(columns.map((c) => c.id), state.asOf)) {
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
async function loadPath(columnId) {
  const answer = await columnPath(columnId, state.asOf);
  const onPath = new Set(answer.nodes.map((n) => n.id));
  onPath.add(columnId);
  for (const edge of answer.edges) {
    if (edge.kind === "DERIVES_FROM") model.columnEdges.set(`${edge.source}|${edge.target}`, edge);
  }
  const datasets = /* @__PURE__ */ new Set();
  for (const column of answer.nodes) {
    const dataset = datasetOf(column);
    if (dataset) datasets.add(dataset);
  }
  for (const id of datasets) {
    if (!model.nodes.has(id)) {
      const node2 = await node(id, state.asOf);
      if (!node2) continue;
      model.addNode(node2);
    }
    model.drawn.add(id);
    await loadColumns(id);
    if (!state.cols.includes(id)) state.cols.push(id);
  }
  model.path = { column: columnId, nodes: onPath, edges: new Set(answer.edges.map((e) => `${e.source}|${e.target}`)) };
}
async function selectColumn(columnId) {
  state.path = columnId;
  await loadPath(columnId);
  await render();
  writeURL(true);
  const column = model.nodes.get(columnId) || [...model.columns.values()].flat().find((c) => c.id === columnId);
  if (column) showDetails(column);
}
async function loadRoute(from, to) {
  const answer = await lineagePaths(from, to, PATH_DEPTH, state.asOf);
  if (!answer.direction) {
    model.route = null;
    if (!model.nodes.has(to)) {
      const end = await node(to, state.asOf);
      if (end) model.addNode(end);
    }
    showRoute(`No path between ${fullOf(from)} and ${fullOf(to)}${answer.truncated ? ` within depth ${answer.depth}: a longer one may exist.` : ": they are not connected."}`, true);
    return;
  }
  for (const node2 of answer.nodes) {
    model.addNode(node2);
    model.drawn.add(node2.id);
  }
  for (const edge of answer.edges) model.addEdge(edge.source, edge.target);
  model.route = { from, to, nodes: new Set(answer.nodes.map((n) => n.id)), edges: new Set(answer.edges.map((e) => `${e.source}|${e.target}`)) };
  const [first, last] = answer.direction === "DOWNSTREAM" ? [from, to] : [to, from];
  const datasets = answer.nodes.filter((n) => n.kind === "DATASET").length;
  showRoute(`Path from ${fullOf(first)} to ${fullOf(last)}: ${answer.nodes.length} nodes (${datasets} datasets) on ${answer.edges.length} edges within depth ${answer.depth}.`);
}
function showRoute(text, missing = false) {
  const box = document.getElementById("route");
  box.hidden = !text;
  box.classList.toggle("missing", missing);
  document.getElementById("route-text").textContent = text || "";
}
function startPathPick(from) {
  pickingPathFrom = from;
  const input = document.getElementById("search");
  input.value = "";
  input.placeholder = `Path from ${model.nodes.get(from)?.name || from} to\u2026 (search a dataset or job; Escape cancels)`;
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
  await render({ fresh: Boolean(model.route) });
  writeURL(true);
}
async function clearRoute() {
  state.to = null;
  model.route = null;
  showRoute(null);
  await render();
  writeURL(true);
}
async function fillDomains() {
  const missing = [...model.drawn].map((id) => model.nodes.get(id)).filter((n) => n && n.kind === "DATASET" && n.domain === void 0 && !model.domains.has(n.id));
  if (missing.length) for (const [id, domain2] of await domainsOf(missing)) model.domains.set(id, domain2);
}
var HEALTH_LOOKUPS = 200;
var healthAsked = /* @__PURE__ */ new Set();
function fillHealthAfterPaint() {
  const missing = [...model.drawn].map((id) => model.nodes.get(id)).filter((n) => n && n.kind === "DATASET" && !model.health.has(n.id) && !healthAsked.has(n.id)).slice(0, HEALTH_LOOKUPS);
  if (!missing.length) return;
  for (const n of missing) healthAsked.add(n.id);
  const known = model.health;
  healthOf(missing).then((found) => {
    for (const [id, status2] of found) {
      known.set(id, status2);
      if (known === model.health) markHealth(id, status2);
    }
  }, (error) => {
    for (const n of missing) healthAsked.delete(n.id);
    console.warn("no health", error);
  });
}
function markHealth(id, status2) {
  if (state.mode !== "lineage" || status2 !== "FAILING" && status2 !== "AT_RISK") return;
  const drawn = cy.getElementById(id);
  if (!drawn.length || drawn.data("health") === status2) return;
  drawn.data("health", status2);
  drawn.addClass(`health-${status2}`);
}
function domainOf(node2) {
  return node2.domain !== void 0 ? node2.domain : model.domains.get(node2.id);
}
function nodeElement(node2, extra = []) {
  const health2 = model.health.get(node2.id);
  const onRoute = state.mode === "lineage" && model.route && model.route.nodes.has(node2.id);
  const classes = [
    node2.kind,
    node2.deleted ? "deleted" : "",
    node2.declared === false ? "undeclared" : "",
    node2.id === state.node ? "focus" : "",
    onRoute ? "route" : "",
    onRoute && node2.id === model.route.to ? "route-end" : "",
    health2 === "FAILING" || health2 === "AT_RISK" ? `health-${health2}` : "",
    ...extra
  ];
  const domain2 = domainOf(node2);
  const colour = domain2 ? domainColour(domain2) : node2.kind === "JOB" ? jobColour() : domainColour(null);
  return {
    group: "nodes",
    data: { id: node2.id, label: label(node2), kind: node2.kind, domain: domain2 || null, colour, health: health2 || null, node: node2 },
    classes: classes.filter(Boolean).join(" ")
  };
}
var PLURAL = { DATASET: "datasets", JOB: "jobs", COLUMN: "columns" };
function clusterElements(id, side) {
  const elements = [];
  for (const cluster of model.clusters(id, side) || []) {
    const clusterId = `cluster|${side}|${cluster.key}|${id}`;
    const count = `${cluster.members.length} ${PLURAL[cluster.kind] || "nodes"} in ${cluster.by} ${cluster.name}`;
    const colour = cluster.by === "domain" ? domainColour(cluster.name) : domainColour(null);
    elements.push({
      group: "nodes",
      classes: `cluster ${side}`,
      data: {
        id: clusterId,
        label: side === UP ? `\u25C0 ${count}` : `${count} \u25B6`,
        kind: "CLUSTER",
        colour,
        domain: cluster.by === "domain" ? cluster.name : null,
        tip: `${count} ${side === UP ? "upstream" : "downstream"} of ${fullOf(id)}: click to draw ${FAN_OUT} and list the rest`,
        cluster: { id, side, key: cluster.key, size: cluster.members.length }
      }
    });
    const [source, target] = side === UP ? [clusterId, id] : [id, clusterId];
    elements.push({ group: "edges", data: { id: `k|${source}|${target}`, source, target }, classes: "cluster" });
  }
  return elements;
}
async function expandCluster(side, key, id, redraw = true) {
  if (redraw) startTiming();
  model.revealCluster(id, side, key);
  state.x.push(`cluster:${side}:${encodeURIComponent(key)}:${id}`);
  if (!redraw) return;
  await render();
  writeURL();
  const rest = (model.clusters(id, side) || []).find((c) => c.key === key);
  if (rest) showHidden(model.nodes.get(id), rest.members.map((m) => model.nodes.get(m)), (m) => guarded(() => drawOne(m)));
}
function badgeElements(id, side) {
  const kind = model.nodes.get(id)?.kind;
  if ((kind === "DATASET" || kind === "JOB") && (model.hidden(id, side)?.length || 0) > CLUSTER_MIN) return clusterElements(id, side);
  const hidden = model.hiddenCount(id, side);
  if (hidden === 0 || kind !== "DATASET" && kind !== "JOB") return [];
  const count = hidden === null ? "+" : hidden > FAN_OUT ? `${hidden} more` : `+${hidden}`;
  const text = side === UP ? `\u25C0 ${count}` : `${count} \u25B6`;
  const where = side === UP ? "upstream" : "downstream";
  const tip = hidden === null ? `show ${where} of ${fullOf(id)}` : `${hidden} more ${where} of ${fullOf(id)}: click to draw${hidden > FAN_OUT ? ` ${FAN_OUT} at a time` : ""}`;
  return [{ group: "nodes", data: { id: `stub|${side}|${id}`, label: text, tip, stub: { id, side, hidden } }, classes: `stub ${side}` }];
}
function fullOf(id) {
  const node2 = model.nodes.get(id);
  return node2 ? `${node2.namespace ? `${node2.namespace} ` : ""}${node2.name || id}` : id;
}
async function render({ fresh = false } = {}) {
  if (!timing) startTiming();
  timed("query");
  await domainsReady;
  await fillDomains();
  if (state.columns) {
    const waiting = [...model.drawn].filter((id) => model.nodes.get(id)?.kind === "DATASET" && !model.columns.has(id));
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (waiting.length) await loadColumns(waiting.shift());
    }));
  }
  timed("facts");
  const elements = [];
  const columnIds = /* @__PURE__ */ new Set();
  const path = state.path && model.path?.column === state.path ? model.path : null;
  for (const id of model.drawn) {
    const node2 = model.nodes.get(id);
    if (!node2) continue;
    elements.push(nodeElement(node2));
    if (node2.kind === "DATASET" && columnsShown(id)) {
      for (const column of model.columns.get(id) || []) {
        columnIds.add(column.id);
        const element = nodeElement(column, path && path.nodes.has(column.id) ? ["path"] : []);
        element.data.parent = id;
        element.data.order = column.order;
        elements.push(element);
      }
    }
    for (const side of [UP, DOWN]) elements.push(...badgeElements(id, side));
  }
  for (const { source, target } of model.drawnEdges()) {
    const onRoute = model.route && model.route.edges.has(`${source}|${target}`);
    elements.push({ group: "edges", data: { id: `e|${source}|${target}`, source, target }, classes: onRoute ? "route" : "" });
  }
  for (const edge of model.columnEdges.values()) {
    if (columnIds.has(edge.source) && columnIds.has(edge.target)) {
      const onPath = path && path.edges.has(`${edge.source}|${edge.target}`);
      elements.push({
        group: "edges",
        data: { id: `c|${edge.source}|${edge.target}`, source: edge.source, target: edge.target },
        classes: onPath ? "column path" : "column"
      });
    }
  }
  timed("elements");
  await draw(cy, elements, { fresh, focus: state.node, timed });
  const hiddenTotal = elements.filter((e) => e.data.stub || e.data.cluster).reduce((sum, e) => sum + ((e.data.stub ? e.data.stub.hidden : e.data.cluster.size) || 0), 0);
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(model.drawn.size);
  graph.dataset.hidden = String(hiddenTotal);
  status(`${model.drawn.size} nodes drawn, ${hiddenTotal} hidden behind + badges and clusters; ${model.nodes.size} known`);
  showLegend(cy);
  markPainted();
  fillHealthAfterPaint();
}
function markPainted() {
  if (!timing) startTiming();
  timed("frame");
  timing = false;
  window.explorer.timings = timings;
  window.explorer.paintedAt = performance.now();
  if (window.explorer.firstPaintMs === null) window.explorer.firstPaintMs = window.explorer.paintedAt;
  window.explorer.ready = true;
  document.body.dataset.shown = state.asOf || "now";
  document.body.dataset.painted = String(Number(document.body.dataset.painted || 0) + 1);
}
function showDetails(node2) {
  if (!node2) return;
  const actions = [];
  if (node2.kind === "DATASET") {
    actions.push([columnsShown(node2.id) ? "Hide columns" : "Show columns", "action-columns", () => guarded(() => toggleColumns(node2.id))]);
  }
  if (node2.kind === "COLUMN" && state.path !== node2.id) {
    actions.push(["Column path", "action-path", () => guarded(() => selectColumn(node2.id))]);
  }
  if (node2.kind === "DATASET" || node2.kind === "COLUMN") {
    actions.push(["Impact of a change", "action-impact", () => guarded(() => openImpact(node2.id, state.change))]);
  }
  if (node2.id !== state.node && (node2.kind === "DATASET" || node2.kind === "JOB")) {
    actions.push(["Open its lineage", "action-open", () => guarded(() => openNode(node2.id))]);
  }
  if (state.mode === "lineage" && (node2.kind === "DATASET" || node2.kind === "JOB")) {
    actions.push(["Path to\u2026", "action-path-to", () => startPathPick(node2.id)]);
  }
  guarded(async () => {
    await showNode(node2, actions, (id) => guarded(() => openNode(id)));
    if (state.asOf) {
      const note = document.createElement("p");
      note.id = "details-now";
      note.className = "muted";
      note.textContent = `The graph shows ${state.asOf}; these details are as they stand now.`;
      document.getElementById("panel").querySelector("h2")?.after(note);
    }
  });
}
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
  if (data.cluster) {
    guarded(() => expandCluster(data.cluster.side, data.cluster.key, data.cluster.id));
  } else if (data.stub) {
    guarded(async () => {
      const paged = data.stub.hidden !== null && data.stub.hidden > FAN_OUT;
      await expand(data.stub.id, data.stub.side);
      const rest = model.hidden(data.stub.id, data.stub.side);
      if (paged && rest && rest.length) {
        showHidden(model.nodes.get(data.stub.id), rest.map((id) => model.nodes.get(id)), (id) => guarded(() => drawOne(id)));
      }
    });
  } else if (data.node && data.node.kind === "COLUMN" && state.mode === "lineage") {
    guarded(() => selectColumn(data.node.id));
  } else if (data.node) {
    showDetails(data.node);
  }
}
var IMPACT_DRAWN = 300;
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
  setModeButtons();
  status("walking the blast radius\u2026");
  const report = await impact(id, change, state.asOf);
  const affected = [...report.affected].sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id));
  const shown = affected.slice(0, IMPACT_DRAWN);
  const ids = /* @__PURE__ */ new Set([report.changed.id, ...shown.map((a) => a.id)]);
  model.drawn = new Set([...ids].filter((x) => !x.startsWith("datasetField:")));
  model.addNode(report.changed);
  for (const a of shown) if (!model.nodes.has(a.id)) model.addNode({ ...a, deleted: false, declared: true });
  await domainsReady;
  await fillDomains();
  const elements = [nodeElement(report.changed, ["changed"])];
  for (const a of shown) {
    elements.push(nodeElement({ ...a, deleted: false, declared: true }, [a.severity, a.certain ? "" : "uncertain"]));
  }
  for (const a of shown) {
    if (ids.has(a.via)) elements.push({ group: "edges", data: { id: `i|${a.via}|${a.id}`, source: a.via, target: a.id }, classes: "impact" });
  }
  await draw(cy, elements, { fresh: true, focus: id });
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(elements.filter((e) => e.group === "nodes").length);
  graph.dataset.hidden = String(affected.length - shown.length);
  status(`impact of ${change}: ${report.affected.length} affected${report.breaking ? ", BREAKING" : ""}${report.truncated ? " (partial)" : ""}`);
  writeURL(push);
  showImpact(report, shown.length, (nodeId) => guarded(() => openNode(nodeId)));
  showLegend(cy);
  markPainted();
}
function setModeButtons() {
  document.getElementById("mode-lineage").classList.toggle("active", state.mode === "lineage");
  document.getElementById("mode-impact").classList.toggle("active", state.mode === "impact");
  document.getElementById("mode-lineage").setAttribute("aria-pressed", String(state.mode === "lineage"));
  document.getElementById("mode-impact").setAttribute("aria-pressed", String(state.mode === "impact"));
  const select = document.getElementById("change-kind");
  select.hidden = state.mode !== "impact";
  select.value = state.change;
  document.getElementById("depth").value = state.depth;
  document.getElementById("columns-toggle").checked = state.columns;
}
document.getElementById("mode-impact").addEventListener("click", () => {
  const node2 = state.node && (model.nodes.get(state.node) || { id: state.node, kind: null });
  if (!node2) return status("search for a dataset or column first");
  if (node2.kind === "JOB") return status("impact starts at a dataset or a column: pick one");
  guarded(() => openImpact(state.path || state.node, state.change));
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
function datasetOf(column) {
  return column.namespace && column.dataset ? `dataset:${column.namespace}:${column.dataset}` : null;
}
async function pick(hit) {
  if (pickingPathFrom) return pickPathEnd(pickingPathFrom, hit);
  if (hit.kind === "DATASET" || hit.kind === "JOB") {
    if (state.mode === "impact" && hit.kind === "DATASET") return openImpact(hit.id, state.change);
    return openNode(hit.id);
  }
  if (hit.kind === "COLUMN") {
    const column = await node(hit.id) || hit;
    model.addNode(column);
    if (state.mode === "impact") return openImpact(hit.id, state.change);
    const dataset = datasetOf(column);
    if (dataset) return openNode(dataset, { cols: [dataset], x: [], path: hit.id });
  }
  return showHolder(hit, (id) => guarded(() => openNode(id)));
}
createSearch({ onPick: pick, onError: (error) => guarded(() => {
  throw error;
}), onCancel: () => {
  if (pickingPathFrom) {
    endPathPick();
    status("path search cancelled");
  }
} });
document.getElementById("search").dataset.placeholder = document.getElementById("search").placeholder;
document.getElementById("route-clear").addEventListener("click", () => guarded(clearRoute));
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
  name: () => state.node ? model.nodes.get(state.node)?.name || state.node : "lineage",
  onAsOf: (asOf) => {
    if (!setAsOf(validTime(asOf))) return;
    guarded(async () => {
      if (!state.node) return writeURL(true);
      if (state.mode === "impact") return openImpact(state.node, state.change);
      return openNode(state.node, { cols: state.cols, x: [], path: state.path, to: state.to });
    });
  }
});
onThemeChange(() => {
  if (state.node) guarded(() => state.mode === "impact" ? openImpact(state.node, state.change, false) : render());
});
async function restore(push) {
  const wanted = readURL();
  state.change = wanted.change;
  state.depth = wanted.depth;
  state.columns = wanted.columns;
  setAsOf(wanted.asOf);
  setModeButtons();
  if (!wanted.node) {
    state.node = null;
    status("search for a dataset, job or column");
    window.explorer.ready = true;
    return;
  }
  if (wanted.mode === "impact") return openImpact(wanted.node, wanted.change, push);
  return openNode(wanted.node, wanted, push);
}
var domainsReady = Promise.resolve();
async function start() {
  domainsReady = domainNames().then(setDomains, (error) => console.warn("no domain list", error));
  offers("query", "neighbours").catch(() => {
  });
  await restore(false);
}
window.addEventListener("popstate", () => guarded(() => restore(false)));
guarded(start);
