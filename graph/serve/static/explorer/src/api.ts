// GraphQL over HTTP to this server's /graphql: the only place the explorer talks to the server.
// With `read: token` the server answers 401; the page then asks for a token once and sends it as
// `Authorization: Bearer ...` (kept for this browser tab only).

const TOKEN_KEY = "lineagemesh.token";

export class AuthNeeded extends Error {}

export class GraphQLError extends Error {}

export async function graphql(query, variables = {}) {
  for (;;) {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
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

// One question at a time: requests refused together wait for the same answer.
let asking = null;

function askToken(wasWrong) {
  if (!asking) asking = promptToken(wasWrong).finally(() => { asking = null; });
  return asking;
}

function promptToken(wasWrong) {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token");
  dialog.querySelector("p").textContent = wasWrong
    ? "That token was refused. Another token:"
    : "This server needs a token to read the graph.";
  input.value = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(input.value.trim()), { once: true });
  });
}

// Which optional fields the server offers (newer servers add some): asked once, however many ask.
let offered = null;

export async function offers(typeName, fieldName) {
  if (!offered) {
    offered = graphql(`{ query: __type(name: "Query") { fields { name } }
      node: __type(name: "LineageNode") { fields { name } }
      subscription: __type(name: "Subscription") { fields { name } } }`).then((data) => {
      const found: Record<string, Set<string>> = {};
      for (const [key, type] of Object.entries(data as Record<string, any>)) found[key] = new Set((type?.fields || []).map((f) => f.name));
      return found;
    });
    offered.catch(() => { offered = null; });  // a failure (a token asked for, say) is asked again
  }
  return (await offered)[typeName]?.has(fieldName) || false;
}

const NODE_FIELDS = "id kind namespace name dataset deleted declared";
const NODE_FACTS = ["upstreamCount", "downstreamCount", "domain", "latestRunState"];

// The lineage node fields to ask for: the base ones, plus the counts, domain and run state where
// the server offers them (they let "+" nodes show exact counts without fetching the neighbours).
// `past`: for a node read outside any moment (`node`, which reads today's graph) while the view
// shows a past one: its counts would be today's, so it is not counted. A walk, path or column path
// as of a moment counts each node's neighbours in that moment's graph.
export async function nodeFields(past = false) {
  const facts = [];
  for (const name of NODE_FACTS) {
    if (past && name.endsWith("Count")) continue;
    if (await offers("node", name)) facts.push(name);
  }
  return [NODE_FIELDS, ...facts].join(" ");
}

// `depth` null: as deep as the server allows; `asOf` (an ISO time, or null for now): as it was then;
// `maxNodes`: at most so many nodes, nearest first (the server trims the walk: none shipped to be dropped).
export async function lineage(nodeId, direction, depth, asOf = null, maxNodes: number | null = null) {
  const data = await graphql(`query($id: String!, $direction: LineageDirection, $depth: Int, $asOf: DateTime, $maxNodes: Int) {
    lineage(nodeId: $id, direction: $direction, depth: $depth, asOf: $asOf, maxNodes: $maxNodes) {
      nodes { ${await nodeFields()} } edges { source target kind } truncated } }`, { id: nodeId, direction, depth, asOf, maxNodes });
  return data.lineage;
}

// Every path between two datasets or jobs within `depth` hops, either way round (servers offering
// `lineagePaths`): { nodes, edges, direction (null: none), depth, truncated }.
export async function lineagePaths(fromId, toId, depth, asOf = null) {
  const data = await graphql(`query($from: String!, $to: String!, $depth: Int, $asOf: DateTime) {
    lineagePaths(fromId: $from, toId: $to, depth: $depth, asOf: $asOf) {
      nodes { ${await nodeFields()} } edges { source target kind } direction depth truncated } }`,
  { from: fromId, to: toId, depth, asOf });
  return data.lineagePaths;
}

// One page of a node's direct neighbours on one side, after `after` (servers offering `neighbours`).
export async function neighbours(nodeId, direction, first, after) {
  const data = await graphql(`query($id: String!, $direction: LineageDirection!, $first: Int, $after: String) {
    neighbours(nodeId: $id, direction: $direction, first: $first, after: $after) {
      nodes { ${await nodeFields()} } totalCount pageInfo { hasNextPage endCursor } } }`,
  { id: nodeId, direction, first, after });
  return data.neighbours;
}

export async function columnEdges(columnIds, asOf = null) {
  // one hop of column lineage per column, up to 25 columns a request (the server caps aliases)
  const edges = [];
  for (let i = 0; i < columnIds.length; i += 25) {
    const chunk = columnIds.slice(i, i + 25);
    const fields = chunk.map((id, n) => `c${n}: columnLineage(nodeId: ${JSON.stringify(id)}, direction: BOTH, depth: 1${asOf ? `, asOf: ${JSON.stringify(asOf)}` : ""}) {
      nodes { ${NODE_FIELDS} } edges { source target kind transformations { type subtype } } }`).join("\n");
    const data = await graphql(`{ ${fields} }`);
    for (const answer of Object.values(data)) edges.push(answer);
  }
  return edges;
}

// One page of ranked search hits; `filters`: kind, namespace, domain, owner, tag (each optional).
export async function searchPage(text, filters, first, after) {
  const variables = { text, first, after, namespace: filters.namespace || null, domain: filters.domain || null,
    owner: filters.owner || null, tag: filters.tag || null, kinds: filters.kind ? [filters.kind] : null };
  const data = await graphql(`query($text: String!, $first: Int, $after: String, $kinds: [NodeKind!], $namespace: String,
    $domain: String, $owner: String, $tag: String) {
    searchConnection(text: $text, first: $first, after: $after, kinds: $kinds, namespace: $namespace, domain: $domain,
      owner: $owner, tag: $tag) { totalCount pageInfo { hasNextPage endCursor } nodes { id kind namespace name dataset domain } } }`,
  variables);
  return data.searchConnection;
}

// Every domain's name, and every namespace drawn so far is the client's: for the palette and filters.
export async function domainNames() {
  const data = await graphql(`{ domains { name } }`);
  return (data.domains || []).map((d) => d.name);
}

// A column's whole path in one request, grouped by dataset (`columnPath`): the datasets it crosses
// nearest first, each with only its columns on the path (`groups`) and a count of the others, the
// path's column edges, and what the server's budget left out (`moreDatasets`, `moreColumns`).
export async function columnPath(columnId, asOf = null) {
  const data = await graphql(`query($id: String!, $asOf: DateTime) { columnPath(nodeId: $id, asOf: $asOf) {
    datasets { ${await nodeFields()} } groups { dataset columns otherColumns distance }
    columns { ${NODE_FIELDS} } edges { source target kind } moreDatasets moreColumns truncated } }`, { id: columnId, asOf });
  return data.columnPath;
}

export async function node(id, asOf = null) {
  const data = await graphql(`query($id: String!) { node(id: $id) { ${await nodeFields(Boolean(asOf))} } }`, { id });
  return data.node;
}

// The health status of each dataset (HEALTHY, FAILING, AT_RISK, UNKNOWN), 25 a request; an older
// server without health answers nothing.
export async function healthOf(datasets) {
  const found = new Map();
  if (!(await offersType("Dataset", "health"))) return found;
  for (let i = 0; i < datasets.length; i += 25) {
    const chunk = datasets.slice(i, i + 25);
    const fields = chunk.map((d, n) => `d${n}: dataset(namespace: ${JSON.stringify(d.namespace)}, name: ${JSON.stringify(d.name)}) { health { status } }`).join("\n");
    const data = await graphql(`{ ${fields} }`);
    chunk.forEach((d, n) => found.set(d.id, data[`d${n}`]?.health?.status || null));
  }
  return found;
}

// Whether the server's type has the field (health, versions: newer servers only), asked once a type.
const typeFields = new Map();

export function offersType(typeName, fieldName) {
  if (!typeFields.has(typeName)) {
    typeFields.set(typeName, graphql(`query($t: String!) { __type(name: $t) { fields { name } } }`, { t: typeName })
      .then((data) => new Set((data.__type?.fields || []).map((f) => f.name)), () => new Set()));
  }
  return typeFields.get(typeName).then((names) => names.has(fieldName));
}

// A dataset's health with its reasons, its quality checks and its schema versions with their
// changes: the panel's second request, so the details show without waiting for the walk upstream.
export async function datasetQuality(namespace, name) {
  const [health, versions] = await Promise.all([offersType("Dataset", "health"), offersType("Dataset", "versions")]);
  if (!health && !versions) return null;
  const parts = [];
  if (health) {
    parts.push(`health { status reasons { kind subject message assertion path check column detail } }
      assertions(first: 50) { totalCount nodes { id name assertionType column status success severity checkedAt source message } }`);
  }
  if (versions) {
    parts.push(`versions(first: 10) { totalCount edges { node { version createdAt source origin previousVersion
      fields { name type required } changes { kind column old new severity description } } } }`);
  }
  const data = await graphql(`query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) { ${parts.join(" ")} } }`,
    { ns: namespace, name });
  return data.dataset;
}

export async function domainsOf(datasets) {
  // the domain of each dataset, 25 a request
  const domains = new Map();
  for (let i = 0; i < datasets.length; i += 25) {
    const chunk = datasets.slice(i, i + 25);
    const fields = chunk.map((d, n) => `d${n}: dataset(namespace: ${JSON.stringify(d.namespace)}, name: ${JSON.stringify(d.name)}) { domain { name } }`).join("\n");
    const data = await graphql(`{ ${fields} }`);
    chunk.forEach((d, n) => domains.set(d.id, data[`d${n}`]?.domain?.name || null));
  }
  return domains;
}

export async function datasetDetails(namespace, name) {
  const data = await graphql(`query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) {
    id namespace name description deleted declared lifecycleState createdAt updatedAt sourceName facets aliases
    owners { name type } domain { name }
    products { id name freshnessHours freshness { status ageHours lastUpdated } }
    columns { id name type description pii classification tags declared current }
    writtenBy { id name state latestRun { state startedAt endedAt } } readBy { id name } } }`, { ns: namespace, name });
  return data.dataset;
}

export async function jobDetails(namespace, name) {
  const data = await graphql(`query($ns: String!, $name: String!) { job(namespace: $ns, name: $name) {
    id namespace name description createdAt updatedAt sql facets state owners { name type }
    latestRun { runId state startedAt endedAt }
    runsConnection(first: 20) { totalCount nodes { id runId state startedAt endedAt } }
    inputs { id name } outputs { id name } } }`, { ns: namespace, name });
  return data.job;
}

export async function impact(nodeId, change, asOf = null) {
  const data = await graphql(`query($id: String!, $change: ChangeKind, $asOf: DateTime) { impact(nodeId: $id, change: $change, asOf: $asOf) {
    breaking truncated change
    changed { ${NODE_FIELDS} }
    affected { id kind namespace name dataset distance severity certain via }
    owners { name type } products { id name domain } domains { name }
    consumers { id kind name domain declared } contracts { id name status } } }`, { id: nodeId, change, asOf });
  return data.impact;
}

// A product's page: its owners, domain, ports and contracts, SLO health over 30 days, freshness,
// consumers declared against observed, upstream and downstream products, its versions.
export async function product(domain, name) {
  const data = await graphql(`query($domain: String!, $name: String!) { dataProduct(domain: $domain, name: $name) {
    id name domain description version status freshnessHours owners { name type } datasets { id namespace name }
    freshness { status ageHours lastUpdated }
    health { status reasons { kind subject message path check column detail } }
    sloCompliance(days: 30) { freshnessPercent qualityPercent incidents { kind start end } }
    ports { direction name type contract datasetId upstreamProduct declaredOnly }
    contracts { id name status }
    consumers { id kind name domain declared }
    undeclaredConsumers { jobId user jobs lastRead }
    silentConsumers { id name lastRead }
    upstreamProducts { declared observed product { id name domain } }
    downstreamProducts { declared observed product { id name domain } }
    versions(first: 5) { version since changed slo } } }`, { domain, name });
  return data.dataProduct;
}

export async function domain(name) {
  const data = await graphql(`query($name: String!) { domain(name: $name) {
    id name description owners { name type } products { id name } datasets { id namespace name } } }`, { name });
  return data.domain;
}

export async function owner(name) {
  const data = await graphql(`query($name: String!) { owner(name: $name) { id name owns { ${NODE_FIELDS} } } }`, { name });
  return data.owner;
}

// Live updates: one graphql-transport-ws subscription on this server's /graphql (the token, if any,
// in connection_init). `onNext(data)` hears every answer the server pushes; `close()` ends it.
export function subscribe(query, variables, onNext) {
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
