// The graph pane's controls: zoom in and out, fit, the Depth of a lineage, the columns toggle,
// the moment shown ("As of" a time, or "Now"), SVG and PNG export; the legend of what colours, shapes and borders mean; a tooltip with a
// node's full name; and a minimap showing where the view is in the whole drawing.

import { colours } from "./theme.js";
import { fit, fullName, zoomBy } from "./view.js";

export function createControls(cy, { onDepth, onColumns, onAsOf, name }) {
  document.getElementById("zoom-in").addEventListener("click", () => zoomBy(cy, 1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomBy(cy, 0.8));
  document.getElementById("fit").addEventListener("click", () => fit(cy));
  document.getElementById("depth").addEventListener("change", (event) => onDepth((event.target as HTMLSelectElement).value));
  document.getElementById("columns-toggle").addEventListener("change", (event) => onColumns((event.target as HTMLInputElement).checked));
  asOfControl(onAsOf);
  document.getElementById("export-svg").addEventListener("click", () => download(new Blob([toSVG(cy)], { type: "image/svg+xml" }), `${fileName(name())}.svg`));
  document.getElementById("export-png").addEventListener("click", () => download(cy.png({ full: true, scale: 2, output: "blob", bg: colours().background }), `${fileName(name())}.png`));
  tooltip(cy);
  minimap(cy);
  keyboard(cy);
  window.explorer.toSVG = () => toSVG(cy);
}

function fileName(text) {
  return `lineage-${String(text).replace(/[^A-Za-z0-9_.-]+/g, "_")}`;
}

function download(blob, filename) {
  const link = document.getElementById("export-link");
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.click();
}

// ---- the moment shown: "As of" a past time, or now ----------------------------------------------

// One Tab stop, a composite of two: the moment typed (local time, the server asked in UTC), taken on
// Enter; the right arrow at its end moves to Now, the left arrow back; Escape returns to now.
function asOfControl(onAsOf) {
  const input = document.getElementById("as-of") as HTMLInputElement;
  const now = document.getElementById("as-of-now") as HTMLButtonElement;
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const typed = input.value.trim();
      if (!typed) { onAsOf(null); return; }
      const moment = parseMoment(typed);
      input.setAttribute("aria-invalid", String(!moment));
      if (moment) onAsOf(moment.toISOString());
    } else if (event.key === "Escape" && !now.disabled) {
      onAsOf(null);
    } else if (event.key === "ArrowRight" && !now.disabled && input.selectionStart === input.value.length) {
      event.preventDefault();
      now.focus();
    }
  });
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  now.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") { event.preventDefault(); input.focus(); }
  });
  now.addEventListener("click", () => { onAsOf(null); input.focus(); });
}

// "YYYY-MM-DD hh:mm" or "hh:mm:ss" (a T for the space too), in local time; null for anything else
function parseMoment(text) {
  const parts = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!parts) return null;
  const [year, month, day, hour, minute, second] = parts.slice(1).map((part) => Number(part ?? 0));
  const moment = new Date(year, month - 1, day, hour, minute, second);
  const same = moment.getFullYear() === year && moment.getMonth() === month - 1 && moment.getDate() === day
    && moment.getHours() === hour && moment.getMinutes() === minute && moment.getSeconds() === second;
  return same ? moment : null;
}

function localInputValue(iso) {
  const time = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
}

// Shows the moment: the picker's value, and a banner over the graph while it is a past one.
export function showAsOf(asOf) {
  const input = document.getElementById("as-of");
  const banner = document.getElementById("as-of-banner");
  input.value = asOf ? localInputValue(asOf) : "";
  input.removeAttribute("aria-invalid");
  const now = document.getElementById("as-of-now") as HTMLButtonElement;
  if (!asOf && document.activeElement === now) input.focus();  // Now about to be disabled: focus not lost
  now.disabled = !asOf;
  banner.hidden = !asOf;
  document.getElementById("graph").classList.toggle("past", Boolean(asOf));
  if (asOf) {
    const shown = new Date(asOf).toISOString().replace("T", " ").replace(/(:00)?\.000Z$/, " UTC");
    banner.textContent = `Lineage as of ${shown}`;
  }
}

// ---- the mode shown: lineage or impact, and the controls that shape each ----------------------

export function showMode(state: { mode: string; change: string; depth: string; columns: boolean }) {
  document.getElementById("mode-lineage").classList.toggle("active", state.mode === "lineage");
  document.getElementById("mode-impact").classList.toggle("active", state.mode === "impact");
  document.getElementById("mode-lineage").setAttribute("aria-pressed", String(state.mode === "lineage"));
  document.getElementById("mode-impact").setAttribute("aria-pressed", String(state.mode === "impact"));
  const select = document.getElementById("change-kind") as HTMLSelectElement;
  select.hidden = state.mode !== "impact";
  select.value = state.change;
  (document.getElementById("depth") as HTMLSelectElement).value = state.depth;
  (document.getElementById("columns-toggle") as HTMLInputElement).checked = state.columns;
  // Depth and Columns shape a lineage view only: impact draws its whole radius, without columns
  for (const id of ["depth", "columns-toggle"]) document.getElementById(id).closest("label").hidden = state.mode !== "lineage";
}

// ---- the legend --------------------------------------------------------------------------------

export function showLegend(cy) {
  const domains = new Map();
  cy.nodes().forEach((n) => { if (n.data("domain") && !n.isChild()) domains.set(n.data("domain"), n.data("colour")); });
  const list = document.getElementById("legend-domains");
  list.replaceChildren(...[...domains].sort().map(([domain, colour]) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colour;
    item.append(swatch, document.createTextNode(domain));
    return item;
  }));
  // no domain drawn, no Domains heading (the landing page, a mesh without domains)
  list.hidden = !domains.size;
  document.getElementById("legend-domains-title").hidden = !domains.size;
}

// ---- the tooltip: a node's full name -----------------------------------------------------------

function tooltip(cy) {
  const tip = document.getElementById("tooltip");
  cy.on("mouseover", "node", (event) => {
    const data = event.target.data();
    const node = data.node;
    const lines = data.tip ? [data.tip] : [fullName(node)];
    if (node && node.domain !== undefined && data.domain) lines.push(`domain ${data.domain}`);
    else if (data.domain) lines.push(`domain ${data.domain}`);
    if (node && node.latestRunState) lines.push(`latest run ${node.latestRunState}`);
    if (node && node.type) lines.push(`type ${node.type}`);
    tip.textContent = lines.join("\n");
    const p = event.renderedPosition || event.target.renderedPosition();
    tip.style.left = `${Math.round(p.x + 14)}px`;
    tip.style.top = `${Math.round(p.y + 14)}px`;
    tip.hidden = false;
    hovered = event.target;
    event.target.addClass("hover");
  });
  let hovered = null;
  const hide = () => { tip.hidden = true; hovered = null; };
  cy.on("mouseout", "node", (event) => { hide(); event.target.removeClass("hover"); });
  cy.on("viewport", hide);
  // a node taken away under the pointer (a badge clicked: its neighbours drawn) hears no mouseout
  cy.on("remove", "node", (event) => { if (event.target === hovered) hide(); });
  cy.on("tap", hide);
}

// ---- the keyboard: the graph without a mouse ---------------------------------------------------
// With the graph focused: arrow keys move the selection (left: upstream, right: downstream, up and
// down: the nearest node above or below), Enter opens the selected node's details (or a column's
// path), "[" and "]" draw what its ◀ / ▶ badge hides, "+", "-" and "0" zoom and fit.

function keyboard(cy) {
  const canvas = document.getElementById("graph-canvas");
  const status = document.getElementById("status");
  const drawn = () => cy.nodes().not(".stub");
  const select = (node) => {
    cy.nodes().unselect();
    node.select();
    const p = node.renderedPosition();
    if (p.x < 40 || p.y < 40 || p.x > cy.width() - 40 || p.y > cy.height() - 40) cy.center(node);
    status.textContent = `selected: ${node.data("tip") || fullName(node.data("node")) || node.id()}`;
    window.explorer.selected = node.id();
  };
  const nearest = (from, candidates) => {
    const p = from.position();
    let best = null;
    let bestDistance = Infinity;
    candidates.forEach((n) => {
      const q = n.position();
      const d = Math.hypot(q.x - p.x, (q.y - p.y) * 1.5);
      if (d < bestDistance) { best = n; bestDistance = d; }
    });
    return best;
  };
  canvas.addEventListener("keydown", (event) => {
    const current = cy.nodes(":selected").not(".stub").first();
    const key = event.key;
    if (key === "+" || key === "=") { zoomBy(cy, 1.25); event.preventDefault(); return; }
    if (key === "-") { zoomBy(cy, 0.8); event.preventDefault(); return; }
    if (key === "0") { fit(cy); event.preventDefault(); return; }
    if (!current.length) {
      if (key.startsWith("Arrow") || key === "Enter") {
        const focus = cy.nodes(".focus");
        if (focus.length || drawn().length) select(focus.length ? focus.first() : drawn().first());
        event.preventDefault();
      }
      return;
    }
    const p = current.position();
    let next = null;
    // left and right follow the lineage (a drawing wrapped into lanes has downstream on the next
    // lane's left), else the drawing
    const along = (side) => drawn().intersection(side === "up" ? current.incomers("node") : current.outgoers("node"));
    if (key === "ArrowRight") next = nearest(current, along("down")) || nearest(current, drawn().filter((n) => n.position("x") > p.x + 20));
    else if (key === "ArrowLeft") next = nearest(current, along("up")) || nearest(current, drawn().filter((n) => n.position("x") < p.x - 20));
    else if (key === "ArrowDown") next = nearest(current, drawn().filter((n) => n.position("y") > p.y + 5 && Math.abs(n.position("x") - p.x) < 120));
    else if (key === "ArrowUp") next = nearest(current, drawn().filter((n) => n.position("y") < p.y - 5 && Math.abs(n.position("x") - p.x) < 120));
    else if (key === "Enter") { current.emit("tap"); event.preventDefault(); return; }
    else if (key === "[" || key === "]") {
      const side = key === "[" ? "up" : "down";
      const badge = cy.getElementById(`stub|${side}|${current.id()}`);
      const clusters = cy.nodes(".cluster").filter((n) => n.data("cluster").id === current.id() && n.data("cluster").side === side);
      if (badge.length) badge.emit("tap");
      else if (clusters.length) clusters.first().emit("tap");
      event.preventDefault();
      return;
    } else return;
    event.preventDefault();
    if (next) select(next);
  });
}

// ---- the minimap -------------------------------------------------------------------------------

function minimap(cy) {
  const canvas = document.getElementById("minimap");
  const context = canvas.getContext("2d");
  let queued = false;
  let frame = null;  // the model box shown and its scale
  const paint = () => {
    queued = false;
    const nodes = cy.nodes().not(".stub");
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
    const view = cy.extent();
    context.strokeStyle = c.focus;
    context.lineWidth = 2;
    context.strokeRect(view.x1 * scale + ox, view.y1 * scale + oy, view.w * scale, view.h * scale);
  };
  const queue = () => { if (!queued) { queued = true; requestAnimationFrame(paint); } };
  cy.on("viewport add remove position", queue);
  canvas.addEventListener("click", (event) => {
    if (!frame) return;
    const r = canvas.getBoundingClientRect();
    const x = (event.clientX - r.left - frame.ox) / frame.scale;
    const y = (event.clientY - r.top - frame.oy) / frame.scale;
    cy.pan({ x: cy.width() / 2 - x * cy.zoom(), y: cy.height() / 2 - y * cy.zoom() });
  });
}

// ---- SVG export: what is drawn, as vector shapes ------------------------------------------------

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}

export function toSVG(cy) {
  const c = colours();
  if (!cy.nodes().length) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="60" viewBox="0 0 320 60" font-family="system-ui, sans-serif">` +
      `<rect width="320" height="60" fill="${c.background}"/><text x="160" y="35" text-anchor="middle" font-size="14" fill="${c.text}">` +
      `nothing drawn: search for a dataset, job or column</text></svg>`;
  }
  const box = cy.elements().boundingBox();
  const pad = 20;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" ` +
    `width="${Math.round(box.w + 2 * pad)}" height="${Math.round(box.h + 2 * pad)}" font-family="system-ui, sans-serif">`,
  `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="${c.edge}"/></marker></defs>`,
  `<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="${c.background}"/>`];
  for (const e of cy.edges()) {  // under the nodes, as drawn
    const s = e.sourceEndpoint();
    const t = e.targetEndpoint();
    parts.push(`<line x1="${s.x}" y1="${s.y}" x2="${t.x}" y2="${t.y}" stroke="${e.style("line-color")}" stroke-width="${parseFloat(e.style("width"))}" ` +
      `stroke-opacity="${parseFloat(e.style("opacity"))}" marker-end="url(#arrow)"/>`);
  }
  const nodeOrder = cy.nodes().sort((a, b) => Number(b.isParent()) - Number(a.isParent()) || Number(a.hasClass("stub")) - Number(b.hasClass("stub")));
  for (const n of nodeOrder) {
    const b = n.boundingBox({ includeLabels: false, includeOverlays: false });
    const fill = n.style("background-color");
    const stroke = n.style("border-color");
    const shape = n.style("shape");
    const dash = n.style("border-style") === "dashed" ? ' stroke-dasharray="5,3"' : n.style("border-style") === "dotted" ? ' stroke-dasharray="2,2"' : "";
    const common = `fill="${fill}" fill-opacity="${n.isParent() ? 0.45 : 1}" stroke="${stroke}" stroke-width="${parseFloat(n.style("border-width")) || 1}"${dash}`;
    parts.push(`<g class="node" data-id="${esc(n.id())}"><title>${esc(n.data("tip") || fullName(n.data("node")) || n.id())}</title>`);
    const health = n.hasClass("health-FAILING") ? c.bad : n.hasClass("health-AT_RISK") ? c.warn : null;
    if (health) {  // the red or amber ground of a dataset failing a check or at risk upstream
      parts.push(`<rect x="${b.x1 - 5}" y="${b.y1 - 5}" width="${b.w + 10}" height="${b.h + 10}" rx="6" fill="${health}" fill-opacity="0.55"/>`);
    }
    if (shape === "ellipse") parts.push(`<ellipse cx="${(b.x1 + b.x2) / 2}" cy="${(b.y1 + b.y2) / 2}" rx="${b.w / 2}" ry="${b.h / 2}" ${common}/>`);
    else parts.push(`<rect x="${b.x1}" y="${b.y1}" width="${b.w}" height="${b.h}" rx="${shape === "rectangle" ? 0 : 5}" ${common}/>`);
    // a label in lines (labels.ts) as one text of a tspan a line, centred as drawn
    const lines = String(n.data("label") ?? "").split("\n");
    const size = parseFloat(n.style("font-size"));
    const x = (b.x1 + b.x2) / 2;
    const labelY = n.isParent() ? b.y1 + 13 : (b.y1 + b.y2) / 2 + 4 - ((lines.length - 1) * size * 1.1) / 2;
    const spans = lines.map((line, i) => `<tspan x="${x}" dy="${i ? size * 1.1 : 0}">${esc(line)}</tspan>`).join("");
    parts.push(`<text x="${x}" y="${labelY}" text-anchor="middle" font-size="${size}" fill="${n.style("color")}">${spans}</text></g>`);
  }
  parts.push("</svg>");
  return parts.join("\n");
}
