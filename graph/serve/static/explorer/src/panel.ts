// The side panel: a node's details (owners, domain, products, schema, latest run, freshness,
// facets), an impact report's whom-to-notify lists, and a "N more" node's hidden neighbours.

import * as api from "./api.js";
import { plural } from "./labels.js";
import { datasetOf } from "./model.js";

const panel = () => document.getElementById("panel");

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// A name that may wrap only where its parts meet (after a "." or "/"), not inside a word.
function breakable(value) {
  return esc(value).replace(/([./])/g, "$1<wbr>");
}

function link(id, text) {
  return `<a class="node-link" data-node="${esc(id)}">${esc(text ?? id)}</a>`;
}

function list(items, render) {
  return items && items.length ? `<ul>${items.map((i) => `<li>${render(i)}</li>`).join("")}</ul>` : `<p class="muted">none</p>`;
}

// At most `max` items listed, then how many more (a hub's impact names thousands of consumers:
// listing them all held the page for most of a second).
function listSome(items, render, max = 50) {
  const more = items && items.length > max ? `<p class="muted">and ${items.length - max} more</p>` : "";
  return `${list(items ? items.slice(0, max) : items, render)}${more}`;
}

function owner(o) {
  return `${esc(o.name)}${o.type ? ` <span class="muted">(${esc(o.type)})</span>` : ""}`;
}

function owners(items) {
  return list(items, owner);
}

// Facets as readable fields, one section each (the spec's _producer and _schemaURL left out);
// a failing data quality assertion is flagged; the raw JSON on demand.
function facets(value) {
  const names = Object.keys(value || {}).sort();
  if (!names.length) return `<p class="muted">none</p>`;
  const sections = names.map((name) => {
    const facet = value[name];
    const failing = failingAssertions(facet);
    const flag = failing.length ? ` <span class="failing">${failing.length} failing</span>` : "";
    return `<details class="facet" data-facet="${esc(name)}"${failing.length ? " open" : ""}><summary>${esc(name)}${flag}</summary>${fields(facet, failing)}</details>`;
  });
  return `${sections.join("")}<details class="facet-json"><summary>JSON</summary><pre>${esc(JSON.stringify(value, null, 2))}</pre></details>`;
}

function failingAssertions(facet) {
  const assertions = facet && Array.isArray(facet.assertions) ? facet.assertions : [];
  return assertions.filter((a) => a && a.success === false);
}

function fields(facet, failing) {
  if (facet === null || typeof facet !== "object") return `<p>${esc(facet)}</p>`;
  const rows = Object.entries(facet).filter(([key]) => !key.startsWith("_"));
  if (!rows.length) return `<p class="muted">no fields</p>`;
  return `<dl class="facet">${rows.map(([key, v]) => `<dt>${esc(key)}</dt><dd>${value(v, failing)}</dd>`).join("")}</dl>`;
}

function value(v, failing = []) {
  if (v === null || v === undefined) return `<span class="muted">—</span>`;
  if (Array.isArray(v)) {
    if (!v.length) return `<span class="muted">none</span>`;
    if (v.every((x) => x === null || typeof x !== "object")) return esc(v.join(", "));
    return `<ul>${v.slice(0, 50).map((x) => `<li${failing.includes(x) ? ' class="failing"' : ""}>${inline(x)}</li>`).join("")}</ul>${v.length > 50 ? `<span class="muted">${v.length - 50} more</span>` : ""}`;
  }
  if (typeof v === "object") return inline(v);
  return esc(v);
}

function inline(x) {
  if (x === null || typeof x !== "object") return esc(x);
  return Object.entries(x).filter(([key]) => !key.startsWith("_"))
    .map(([key, v]) => `<span class="muted">${esc(key)}</span> ${v !== null && typeof v === "object" ? esc(JSON.stringify(v)) : esc(v)}`).join(" · ");
}

// A run's duration, readable: "1 h 4 min", "3.2 s".
export function duration(startedAt, endedAt) {
  if (!startedAt || !endedAt) return "";
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function runs(connection) {
  const items = connection?.nodes || [];
  if (!items.length) return `<p class="muted">none</p>`;
  return `<table id="runs"><thead><tr><th>state</th><th>started</th><th>duration</th></tr></thead><tbody>${items.map((r) =>
    `<tr><td><span class="state-${esc(r.state)}">${esc(r.state || "—")}</span></td><td>${esc((r.startedAt || "").replace("T", " ").replace(/\.\d+/, ""))}</td><td>${esc(duration(r.startedAt, r.endedAt))}</td></tr>`).join("")}</tbody></table>
    ${connection.totalCount > items.length ? `<p class="muted">the latest ${items.length} of ${connection.totalCount}</p>` : ""}`;
}

// Health: the status and each reason as a sentence, the dataset it is about a link; an upstream
// reason's path drawn on demand ("Draw the path": the Path to… view from here to it).
function health(h) {
  if (!h) return "";
  const reasons = h.reasons.map((r) => `<li>${reasonSentence(r)}${r.path.length > 1 ? ` <button type="button" class="link-button" data-route="${esc(r.subject)}">Draw the path</button>` : ""}</li>`);
  return `<h3>Health</h3><p id="health-status"><span class="health health-${esc(h.status)}">${esc(h.status.replace("_", " "))}</span></p>
    ${reasons.length ? `<ul id="health-reasons">${reasons.join("")}</ul>` : ""}`;
}

// "Failing check `unique_email` on column email of quality.checked, 2 hops upstream: failed at …".
function reasonSentence(r) {
  if (r.detail === undefined) return esc(r.message);  // a server without the reason's parts
  const hops = Math.ceil((r.path.length - 1) / 2);  // the path: subject, job, dataset, …, the dataset judged
  const where = hops > 0 ? `, ${hops} hop${hops === 1 ? "" : "s"} upstream` : "";
  const subject = link(r.subject, shortName(r.subject));
  if (r.check) {
    const column = r.column ? `column <code>${esc(r.column)}</code> of ` : "";
    const what = r.kind === "ASSERTION_WARNING" ? "Warning from check" : "Failing check";
    return `${what} <code>${esc(r.check)}</code> on ${column}${subject}${where}: ${esc(r.detail)}.`;
  }
  if (r.kind === "UPSTREAM_TRUNCATED") return `${esc(r.detail.charAt(0).toUpperCase() + r.detail.slice(1))}.`;
  return `${subject}${where} ${esc(r.detail)}.`;
}

// A dataset's or job's name from its id: the id's last part (ids escape a name's ":" and "%").
function shortName(id) {
  const text = String(id);
  return text.includes(":") ? text.slice(text.lastIndexOf(":") + 1).replaceAll("%3A", ":").replaceAll("%25", "%") : text;
}

// Quality checks with their latest result, failures first.
function assertions(connection) {
  const items = [...(connection?.nodes || [])];
  if (!items.length) return `<h3>Checks</h3><p class="muted">none</p>`;
  const order = { FAIL: 0, ERROR: 1, SKIP: 2, PASS: 3 };
  items.sort((a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2) || a.name.localeCompare(b.name));
  const failed = items.filter((a) => !a.success).length;
  return `<h3>Checks (${failed} failing of ${connection.totalCount})</h3><table id="assertions"><thead><tr><th>check</th><th>column</th><th>result</th><th>severity</th></tr></thead><tbody>${
    items.map((a) => `<tr><td title="${esc(a.message || a.assertionType || "")}">${esc(a.name)}</td><td>${esc(a.column || "")}</td><td><span class="assert-${esc(a.status)}">${esc(a.status)}</span></td><td class="muted">${esc(a.severity)}${a.source ? ` · ${esc(a.source)}` : ""}</td></tr>`).join("")}</tbody></table>`;
}

// Schema versions, newest first, each with what changed from the one before.
function versions(connection) {
  const items = (connection?.edges || []).map((e) => e.node);
  if (!items.length) return `<h3>Versions</h3><p class="muted">none recorded</p>`;
  const rows = items.map((v) => {
    const changes = v.changes.length
      ? `<ul>${v.changes.map((c) => `<li><span class="sev-${esc(c.severity)}">${esc(c.severity)}</span> ${esc(c.description)}</li>`).join("")}</ul>`
      : `<br><span class="muted">${v.previousVersion ? "nothing that breaks a reader" : "the first version seen"}</span>`;
    return `<li class="version"><b>${esc((v.createdAt || "").replace("T", " ").replace(/\.\d+/, ""))}</b> <span class="muted">${esc(v.source)} · ${v.fields.length} columns</span>${changes}
      <details><summary>columns</summary>${v.fields.map((f) => `${esc(f.name)} <span class="muted">${esc(f.type || "")}${f.required ? " required" : ""}</span>`).join("<br>")}</details></li>`;
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

// A column's path as a list: the datasets it crosses upstream and downstream, nearest first,
// each a link with the path's columns in it.
export type PathRow = { dataset: string; name: string; columns: string[]; distance: number };
const PATH_ROWS = 50;  // rows listed a side; the rest counted

function pathList(path: { up: PathRow[]; down: PathRow[] }) {
  const side = (title, id, rows: PathRow[]) => `<h4>${title} (${plural("dataset", rows.length)})</h4>${rows.length
    ? `<ul id="${id}">${rows.slice(0, PATH_ROWS).map((r) => `<li>${link(r.dataset, r.name)} <span class="muted">${esc(r.columns.join(", "))}` +
      ` · ${plural("hop", r.distance)}</span></li>`).join("")}</ul>${rows.length > PATH_ROWS ? `<p class="muted">and ${rows.length - PATH_ROWS} more</p>` : ""}`
    : `<p class="muted">none</p>`}`;
  return `<h3>Path</h3>${side("Upstream", "path-up", path.up)}${side("Downstream", "path-down", path.down)}`;
}

// A node's name as a title names it whole: a column with its dataset ("public.orders.email"), not
// "email" alone, which a mesh has hundreds of.
function subjectOf(node): string {
  const name = node.name || node.id;
  return node.kind === "COLUMN" && node.dataset ? `${node.dataset}.${name}` : name;
}

// Details of a dataset or job; `actions` are [label, id, callback] buttons drawn at the top;
// `path`: a column's path drawn, listed in its panel.
export async function showNode(node, actions, onLink, onRoute = (_id: string) => {}, path: { up: PathRow[]; down: PathRow[] } | null = null) {
  show(`<h2>${breakable(subjectOf(node))}</h2><p class="muted">${esc(node.kind)} · ${esc(node.namespace || "")}</p><p>loading…</p>`, onLink);
  const buttons = actions.map(([text, id]) => `<button type="button" id="${id}">${esc(text)}</button>`).join("");
  let body = "";
  let quality = null;
  if (node.kind === "DATASET") {
    const d = await api.datasetDetails(node.namespace, node.name);
    if (!d) { body = `<p class="muted">not in the graph</p>`; } else {
      const writer = d.writtenBy.find((j) => j.latestRun) || d.writtenBy[0];
      const run = writer?.latestRun;
      body = `
        ${d.description ? `<p>${esc(d.description)}</p>` : ""}
        <table id="details">
          <tr><th>domain</th><td id="detail-domain">${esc(d.domain?.name || "—")}</td></tr>
          <tr><th>state</th><td>${d.deleted ? "dropped" : d.declared ? "current" : "undeclared"}${d.lifecycleState ? ` (${esc(d.lifecycleState)})` : ""}</td></tr>
          <tr><th>latest run</th><td>${run ? `<span class="state-${esc(run.state)}">${esc(run.state)}</span> ${esc(run.endedAt || run.startedAt || "")} by ${link(writer.id, writer.name)}` : "—"}</td></tr>
          <tr><th>updated</th><td>${esc(d.updatedAt || "—")}</td></tr>
          <tr><th>source</th><td>${esc(d.sourceName || "—")}</td></tr>
        </table>
        <h3>Owners</h3>${owners(d.owners)}
        <h3>Products</h3>${list(d.products, (p) => `${esc(p.name)} <span class="muted">freshness ${esc(p.freshness.status)}${p.freshness.ageHours != null ? `, ${p.freshness.ageHours.toFixed(1)} h old` : ""}${p.freshnessHours != null ? ` (SLO ${p.freshnessHours} h)` : ""}</span>`)}
        <h3>Schema (${plural("column", d.columns.length)})</h3>
        <table>${d.columns.map((c) => `<tr><td>${esc(c.name)}${c.pii ? ' <span class="badge BREAKING">PII</span>' : ""}</td><td>${esc(c.type || "")}</td><td class="muted">${c.current ? "" : "removed"}${c.declared ? "" : " undeclared"}</td></tr>`).join("")}</table>
        <div id="quality" data-for="${esc(node.id)}"><p class="muted">health and versions loading…</p></div>
        <h3>Facets</h3>${facets(d.facets)}
        ${d.aliases.length ? `<h3>Aliases</h3>${list(d.aliases, esc)}` : ""}`;
      quality = api.datasetQuality(node.namespace, node.name).catch((error) => { console.warn("no health", error); return null; });
    }
  } else if (node.kind === "JOB") {
    const j = await api.jobDetails(node.namespace, node.name);
    if (!j) { body = `<p class="muted">not in the graph</p>`; } else {
      const run = j.latestRun;
      body = `
        ${j.description ? `<p>${esc(j.description)}</p>` : ""}
        <table id="details">
          <tr><th>latest run</th><td>${run ? `<span class="state-${esc(run.state)}">${esc(run.state)}</span> ${esc(run.endedAt || run.startedAt || "")}` : "—"}</td></tr>
          <tr><th>updated</th><td>${esc(j.updatedAt || "—")}</td></tr>
        </table>
        <h3>Owners</h3>${owners(j.owners)}
        <h3>Runs</h3>${runs(j.runsConnection)}
        <h3>Reads</h3>${list(j.inputs, (d) => link(d.id, d.name))}
        <h3>Writes</h3>${list(j.outputs, (d) => link(d.id, d.name))}
        ${j.sql ? `<h3>SQL</h3><pre>${esc(j.sql)}</pre>` : ""}
        <h3>Facets</h3>${facets(j.facets)}`;
    }
  } else if (node.kind === "COLUMN" && datasetOf(node)) {
    // the column as its dataset's schema describes it: the dataset to open, the type, PII
    const d = await api.datasetDetails(node.namespace, node.dataset);
    const c = d?.columns.find((column) => column.id === node.id);
    body = `${c?.description ? `<p>${esc(c.description)}</p>` : ""}
      <table id="details">
        <tr><th>dataset</th><td id="detail-dataset">${link(datasetOf(node), node.dataset)}</td></tr>
        <tr><th>type</th><td id="detail-type">${esc(c?.type || "—")}${c?.pii ? ' <span class="badge BREAKING">PII</span>' : ""}</td></tr>
        ${c?.classification ? `<tr><th>classification</th><td>${esc(c.classification)}</td></tr>` : ""}
        ${c?.tags?.length ? `<tr><th>tags</th><td id="detail-tags">${esc(c.tags.join(", "))}</td></tr>` : ""}
      </table>${path ? pathList(path) : ""}`;
  } else {
    body = `<p class="muted">${esc(node.id)}</p>`;
  }
  const element = show(`<h2>${breakable(subjectOf(node))}</h2><p class="muted">${esc(node.kind)} · ${esc(node.namespace || "")}</p>
    <div class="actions">${buttons}</div>${body}`, onLink);
  for (const [, id, callback] of actions) element.querySelector(`#${id}`).addEventListener("click", callback);
  if (quality) {
    const q = await quality;
    const slot = element.querySelector("#quality");
    if (slot && slot.dataset.for === node.id) {
      slot.innerHTML = q ? `${q.health ? health(q.health) : ""}${q.assertions ? assertions(q.assertions) : ""}${q.versions ? versions(q.versions) : ""}` : "";
      slot.querySelectorAll("[data-node]").forEach((a) => a.addEventListener("click", () => onLink(a.dataset.node)));
      slot.querySelectorAll("[data-route]").forEach((b) => b.addEventListener("click", () => onRoute(b.dataset.route)));
    }
  }
}

function percent(value) {
  return value == null ? "—" : `${value.toFixed(value >= 99.95 || value === 0 ? 0 : 1)} %`;
}

function via(link) {
  const how = [link.declared ? "declared" : "", link.observed ? "observed" : ""].filter(Boolean).join(" and ");
  const where = [link.product.domain, how].filter(Boolean).join("; ");
  return `${esc(link.product.name)} <span class="muted">(${esc(where)})</span>`;
}

// A data product's page: who owns it, where it lives, its ports and the contracts behind them,
// how it kept its SLOs (its health's reasons folded: a product's upstream can give dozens), who reads it (declared by contracts and input ports, against observed in
// lineage), the products around it and its descriptor's versions.
function productPage(p) {
  // (the descriptor's version, its newest: a contract's own version may have set the product's)
  const slo = p.sloCompliance;
  const freshness = `${esc(p.freshness.status)}${p.freshness.ageHours != null ? `, ${p.freshness.ageHours.toFixed(1)} h old` : ""}${p.freshnessHours != null ? ` <span class="muted">(SLO ${p.freshnessHours} h)</span>` : ""}`;
  const port = (x) => `<span class="muted">${esc(x.direction)}</span> ${x.datasetId ? link(x.datasetId, x.name) : esc(x.name)}${x.type ? ` <span class="muted">${esc(x.type)}</span>` : ""}${x.contract ? ` · contract ${esc(x.contract)}` : ""}${x.declaredOnly ? ` <span class="muted">(declared only)</span>` : ""}`;
  const consumer = (c) => `${c.kind === "JOB" ? link(c.id, c.name || c.id) : esc(c.name || c.id)}${c.domain ? ` <span class="muted">(${esc(c.domain)})</span>` : ""}`;
  return `<p>${esc(p.description || "")}</p>
    <dl class="facet" id="product-facts"><dt>domain</dt><dd>${esc(p.domain)}</dd><dt>version</dt><dd>${esc(p.versions[0]?.version || p.version || "—")}</dd><dt>status</dt><dd>${esc(p.status || "—")}</dd></dl>
    <h3>Owners</h3>${owners(p.owners)}
    <h3>Ports</h3><div id="product-ports">${list(p.ports, port)}</div>
    <h3>Contracts</h3>${list(p.contracts, (c) => `${esc(c.name || c.id)}${c.status ? ` <span class="muted">(${esc(c.status)})</span>` : ""}`)}
    <h3>SLO, last 30 days</h3><p id="product-slo">freshness ${percent(slo.freshnessPercent)} · quality ${percent(slo.qualityPercent)} · ${slo.incidents.length} incident${slo.incidents.length === 1 ? "" : "s"}</p>
    <h3>Freshness</h3><p id="product-freshness">${freshness}</p>
    <details id="product-health"><summary>Health: <span class="health health-${esc(p.health.status)}">${esc(p.health.status.replace("_", " "))}</span> <span class="muted">${p.health.reasons.length} reason${p.health.reasons.length === 1 ? "" : "s"}</span></summary>${health(p.health)}</details>
    <h3>Consumers</h3><div id="product-consumers"><p class="muted">declared</p>${list(p.consumers.filter((c) => c.declared), consumer)}
      <p class="muted">observed, undeclared</p>${listSome(p.undeclaredConsumers, (c) => `${c.user ? esc(c.user) : link(c.jobId, c.jobId)}${c.jobs.length > 1 ? ` <span class="muted">${c.jobs.length} queries</span>` : ""}${c.lastRead ? ` <span class="muted">last read ${esc(c.lastRead.slice(0, 10))}</span>` : ""}`, 20)}
      <p class="muted">declared, silent for 90 days</p>${list(p.silentConsumers, (c) => esc(c.name || c.id))}</div>
    <h3>Upstream products</h3>${list(p.upstreamProducts, via)}
    <h3>Downstream products</h3>${list(p.downstreamProducts, via)}
    <h3>Versions</h3><div id="product-versions">${list(p.versions, (v) => `${esc(v.version || "—")} <span class="muted">${esc(v.changed.join(", "))}${v.slo?.freshnessHours != null ? ` · SLO ${v.slo.freshnessHours} h` : ""}</span>`)}</div>
    <h3>Datasets</h3>${list(p.datasets, (d) => link(d.id, d.name))}`;
}

// A search hit that has no lineage of its own (product, domain, owner): what it holds, as links;
// a product's page opens its product lineage (`onProducts`).
export async function showHolder(hit, onLink, onProducts = null) {
  let html = `<h2>${breakable(hit.name || hit.id)}</h2><p class="muted">${esc(hit.kind)}</p>`;
  if (hit.kind === "DATA_PRODUCT") {
    const [, domain, ...rest] = hit.id.split(":");
    const p = await api.product(domain, rest.join(":"));
    const action = onProducts ? `<div class="actions"><button type="button" id="action-product-lineage">Product lineage</button></div>` : "";
    html += p ? `${action}${productPage(p)}` : "";
  } else if (hit.kind === "DOMAIN") {
    const d = await api.domain(hit.name || hit.id.slice("domain:".length));
    html += d ? `<h3>Owners</h3>${owners(d.owners)}<h3>Products</h3>${list(d.products, (p) => esc(p.name))}
      <h3>Datasets</h3>${list(d.datasets.slice(0, 200), (x) => link(x.id, x.name))}` : "";
  } else if (hit.kind === "OWNER") {
    const o = await api.owner(hit.name || hit.id.slice("owner:".length));
    html += o ? `<h3>Owns</h3>${list(o.owns.slice(0, 200), (x) => x.kind === "DATASET" || x.kind === "JOB" ? link(x.id, x.name) : esc(x.id))}` : "";
  }
  show(html, onLink).querySelector("#action-product-lineage")?.addEventListener("click", () => onProducts(hit.id));
}

// The impact report beside its drawing: whom to notify, then every affected node in a table one
// sorts by a column's header, filters by text, and downloads as CSV.
const SEVERITY_RANK = { BREAKING: 0, WARNING: 1, INFO: 2 };
const IMPACT_COLUMNS: [string, (a: any) => any][] = [
  ["severity", (a) => SEVERITY_RANK[a.severity] ?? 9],
  ["name", (a) => (a.dataset ? `${a.dataset}.${a.name}` : a.name || a.id).toLowerCase()],
  ["kind", (a) => a.kind],
  ["hops", (a) => a.distance],
];
const TABLE_ROWS = 200;  // rows listed at first and per "List more" (2,000 rows were 12,000 elements: 1.5 s to lay out); the CSV holds all

export function showImpact(report, drawnCount, onLink) {
  const subject = report.changed.kind === "COLUMN" && report.changed.dataset ? `${report.changed.dataset}.${report.changed.name}` : report.changed.name || report.changed.id;
  const element = show(`<h2>Impact: ${esc(report.change)} ${breakable(subject)}</h2>
    <p id="impact-summary">${report.breaking ? '<span class="badge BREAKING">BREAKING</span>' : '<span class="badge INFO">nothing breaks</span>'}
      ${report.affected.length} affected${report.truncated ? " (partial: a budget cut the walk short)" : ""}${drawnCount < report.affected.length ? `, ${drawnCount} drawn` : ""}</p>
    <h3>Owners to notify</h3><div id="impact-owners">${listSome(report.owners, owner)}</div>
    <h3>Products</h3><div id="impact-products">${listSome(report.products, (p) => `${esc(p.name)} <span class="muted">(${esc(p.domain)})</span>`)}</div>
    <h3>Contracts broken</h3><div id="impact-contracts">${listSome(report.contracts, (c) => `${esc(c.name || c.id)}${c.status ? ` <span class="muted">${esc(c.status)}</span>` : ""}`)}</div>
    <h3>Consumers</h3>${listSome(report.consumers, (c) => `${esc(c.name || c.id)} <span class="muted">${esc(c.domain || "")}${c.declared ? "" : " observed"}</span>`)}
    <h3>Domains</h3>${listSome(report.domains, (d) => esc(d.name))}
    <h3>Affected</h3>
    <div class="table-tools"><input id="impact-filter" type="search" placeholder="filter" aria-label="Filter affected">
      <button type="button" id="impact-csv" aria-label="Download CSV">CSV</button><a id="impact-csv-link" hidden></a></div>
    <p id="impact-count" class="muted"></p>
    <table id="impact-affected"><thead><tr>${IMPACT_COLUMNS.map(([name]) => `<th data-sort="${name}" aria-sort="none" tabindex="0">${name}</th>`).join("")}</tr></thead><tbody></tbody></table>
    <button type="button" id="impact-more" hidden>List ${TABLE_ROWS} more</button>`, onLink);
  let sort = { column: "hops", descending: false };
  let listed = TABLE_ROWS;
  const filter = element.querySelector("#impact-filter");
  const body = element.querySelector("#impact-affected tbody");
  const rowsShown = () => {
    const text = filter.value.trim().toLowerCase();
    const key = IMPACT_COLUMNS.find(([name]) => name === sort.column)[1];
    const matching = report.affected.filter((a) => !text || [a.severity, a.name, a.dataset, a.kind, a.namespace, a.id]
      .some((v) => String(v ?? "").toLowerCase().includes(text)));
    return matching.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const order = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;  // not localeCompare: 9,000 rows took seconds
      return sort.descending ? -order : order;
    });
  };
  const fill = () => {
    const rows = rowsShown();
    body.innerHTML = rows.slice(0, listed).map((a) => `<tr data-id="${esc(a.id)}" title="${esc(a.namespace || "")}"><td><span class="badge ${esc(a.severity)}">${esc(a.severity)}</span></td>
      <td>${a.kind === "DATASET" || a.kind === "JOB" ? link(a.id, a.name) : esc(a.dataset ? `${a.dataset}.${a.name}` : a.name || a.id)}${a.certain ? "" : ' <span class="muted">(uncertain)</span>'}</td>
      <td class="muted">${esc((a.kind || "").toLowerCase())}</td><td>${a.distance}</td></tr>`).join("");
    body.querySelectorAll("[data-node]").forEach((x) => x.addEventListener("click", () => onLink(x.dataset.node)));
    element.querySelector("#impact-count").textContent = `${rows.length} of ${report.affected.length}${rows.length > listed ? `, the first ${listed} listed` : ""}`;
    element.querySelector("#impact-more").hidden = rows.length <= listed;
    element.querySelectorAll("#impact-affected th").forEach((th) => th.setAttribute("aria-sort",
      th.dataset.sort === sort.column ? (sort.descending ? "descending" : "ascending") : "none"));
  };
  element.querySelectorAll("#impact-affected th").forEach((th) => {
    const resort = () => {
      sort = { column: th.dataset.sort, descending: sort.column === th.dataset.sort ? !sort.descending : false };
      fill();
    };
    th.addEventListener("click", resort);
    th.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); resort(); } });
  });
  filter.addEventListener("input", fill);
  element.querySelector("#impact-more").addEventListener("click", () => { listed += TABLE_ROWS; fill(); });
  element.querySelector("#impact-csv").addEventListener("click", () => {
    const header = ["severity", "id", "kind", "namespace", "dataset", "name", "distance", "certain", "via"];
    const lines = [header, ...rowsShown().map((a) => [a.severity, a.id, a.kind, a.namespace, a.dataset, a.name, a.distance, a.certain, a.via])]
      .map((row) => row.map(csvCell).join(","));
    const anchor = element.querySelector("#impact-csv-link");
    if (anchor.href) URL.revokeObjectURL(anchor.href);
    anchor.href = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }));
    anchor.download = `impact-${report.change}-${String(report.changed.name || report.changed.id).replace(/[^A-Za-z0-9_.-]+/g, "_")}.csv`;
    anchor.click();
  });
  fill();
}

// A CSV cell (RFC 4180), and never a formula a spreadsheet would run.
function csvCell(value) {
  let text = String(value ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// The neighbours a "N more" node still hides, filtered by name as one types; a click draws one.
export function showHidden(node, hidden, onPick) {
  const element = show(`<h2>${esc(hidden.length)} more beside ${esc(node?.name || node?.id || "")}</h2>
    <p class="muted">Click the "more" node for the next page, or pick one here.</p>
    <input id="hidden-filter" type="search" placeholder="filter by name" aria-label="filter hidden neighbours">
    <ul id="hidden-list"></ul>`, onPick);
  const input = element.querySelector("#hidden-filter");
  const listed = element.querySelector("#hidden-list");
  const fill = () => {
    const text = input.value.trim().toLowerCase();
    const matching = hidden.filter((n) => n && (n.name || n.id).toLowerCase().includes(text)).slice(0, 200);
    listed.innerHTML = matching.map((n) => `<li>${link(n.id, n.name || n.id)}</li>`).join("");
    listed.querySelectorAll("[data-node]").forEach((a) => a.addEventListener("click", () => { a.parentElement.remove(); onPick(a.dataset.node); }));
  };
  input.addEventListener("input", fill);
  fill();
}

export function showError(message) {
  const element = panel();
  element.innerHTML = `<h2>Error</h2><p id="error">${esc(message)}</p>`;
}
