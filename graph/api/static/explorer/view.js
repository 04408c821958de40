// Drawing with cytoscape.js, laid out left to right by dagre: upstream left, downstream right.
// Datasets are rectangles, jobs ellipses, both filled by their domain's colour; dropped nodes have a
// red dashed border, undeclared ones (only column lineage names them) a dotted grey one.

import cytoscape from "/static/vendor/cytoscape/cytoscape.esm.min.js";
import dagre from "/static/vendor/cytoscape-dagre/cytoscape-dagre.esm.min.js";

cytoscape.use(dagre);

const PALETTE = ["#8ecae6", "#ffb703", "#90be6d", "#f4a261", "#cdb4db", "#80cbc4", "#f28482", "#b5c99a", "#ffd6a5", "#a0c4ff"];

export function domainColour(domain) {
  if (!domain) return "#d9e2ec";
  let hash = 0;
  for (const ch of domain) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

const STYLE = [
  { selector: "node", style: {
    label: "data(label)", "font-size": 11, "text-valign": "center", "text-halign": "center", "text-wrap": "ellipsis",
    "text-max-width": 150, width: 160, height: 34, "background-color": "data(colour)", "border-width": 1,
    "border-color": "#52606d", color: "#1f2933" } },
  { selector: "node.DATASET", style: { shape: "round-rectangle" } },
  { selector: "node.JOB", style: { shape: "ellipse", "border-style": "double", "border-width": 3, height: 30 } },
  { selector: "node.COLUMN", style: { shape: "rectangle", height: 20, width: 150, "font-size": 10, "background-color": "#ffffff" } },
  { selector: "node.focus", style: { "border-width": 3, "border-color": "#2f5dab" } },
  { selector: "node.deleted", style: { "border-color": "#c62828", "border-style": "dashed", "border-width": 2 } },
  { selector: "node.undeclared", style: { "border-color": "#7b8794", "border-style": "dotted", "border-width": 2, color: "#52606d" } },
  { selector: "node.stub", style: { shape: "round-rectangle", width: 64, height: 22, "background-color": "#ffffff",
    "border-style": "dashed", "border-color": "#2f5dab", color: "#2f5dab", "font-weight": "bold" } },
  { selector: "node:parent", style: { "text-valign": "top", "text-halign": "center", "padding": 6, "background-opacity": 0.35 } },
  { selector: "node:selected", style: { "overlay-color": "#2f5dab", "overlay-opacity": 0.15 } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9fb3c8", "target-arrow-color": "#9fb3c8", "target-arrow-shape": "triangle",
    "curve-style": "bezier", "arrow-scale": 0.8 } },
  { selector: "edge.stub", style: { "line-style": "dashed", "target-arrow-shape": "none" } },
  { selector: "edge.column", style: { "line-color": "#6a4c93", "target-arrow-color": "#6a4c93", width: 1 } },
  { selector: "node.BREAKING", style: { "border-color": "#c62828", "border-width": 4 } },
  { selector: "node.WARNING", style: { "border-color": "#ef8c00", "border-width": 4 } },
  { selector: "node.INFO", style: { "border-color": "#5c7c99", "border-width": 3 } },
  { selector: "node.uncertain", style: { "border-style": "dashed" } },
  { selector: "node.changed", style: { "background-color": "#c62828", color: "#ffffff" } },
  { selector: "edge.impact", style: { "line-color": "#e57373", "target-arrow-color": "#e57373", width: 2 } },
];

export function createView(container, onTap) {
  const cy = cytoscape({ container, style: STYLE, minZoom: 0.05, maxZoom: 3,
    boxSelectionEnabled: false });
  cy.on("tap", "node", (event) => onTap(event.target.data()));
  return cy;
}

// Replaces what is drawn by `elements` and lays it out; resolves once painted.
export function draw(cy, elements) {
  cy.batch(() => {
    cy.elements().remove();
    cy.add(elements);
  });
  const layout = cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 12, rankSep: 70, edgeSep: 6, animate: false, fit: true, padding: 24 });
  const done = new Promise((resolve) => layout.one("layoutstop", resolve));
  layout.run();
  return done.then(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
}

export function label(node) {
  if (node.kind === "COLUMN") return node.name || node.id;
  const name = node.name || node.id;
  return node.deleted ? `${name} (dropped)` : name;
}
