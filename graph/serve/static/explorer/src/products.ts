// Product lineage: data products as nodes, and between two products a box naming the ports the
// link goes through (the upstream's output ports → the downstream's input ports), the contracts
// behind it and whether it is declared (an input port names the upstream), observed (lineage
// carries it) or both; drawn by view.ts like every other view (layered, labels whole in lines,
// wrapped to fit the window readably). A product's walk goes upstream over upstreamProducts and
// downstream over downstreamProducts, as far as they reach (at most MAX_PRODUCTS products).

import { graphql } from "./api.js";
import { fitLabel, fitPieces, plural } from "./labels.js";
import { domainColour } from "./theme.js";
import { FONT_PX, LABEL_W, draw } from "./view.js";

const MAX_PRODUCTS = 300;  // products a walk brings at most (a mesh's products are counted in hundreds)
const LINE_PX = FONT_PX * 1.1;  // a label line's height (the style's line-height)

type Product = { id: string; name: string; domain: string };
type Link = { upstreamPorts: string[]; downstreamPorts: string[]; contracts: string[]; declared: boolean; observed: boolean; product: Product };
export type ProductLink = { up: Product; down: Product; upstreamPorts: string[]; downstreamPorts: string[]; contracts: string[]; declared: boolean; observed: boolean };

const LINK_FIELDS = "upstreamPorts downstreamPorts contracts declared observed product { id name domain }";

// The products of `ids` with their links on `side`, one query for all (an alias each).
async function linksOf(ids: string[], side: "upstreamProducts" | "downstreamProducts"): Promise<Map<string, { product: Product; links: Link[] }>> {
  const vars: Record<string, string> = {};
  const params: string[] = [];
  const fields = ids.map((id, i) => {
    const [, domain, ...rest] = id.split(":");
    vars[`d${i}`] = domain;
    vars[`n${i}`] = rest.join(":");
    params.push(`$d${i}: String!`, `$n${i}: String!`);
    return `p${i}: dataProduct(domain: $d${i}, name: $n${i}) { id name domain ${side} { ${LINK_FIELDS} } }`;
  });
  const data = await graphql(`query(${params.join(", ")}) { ${fields.join("\n")} }`, vars);
  const found = new Map();
  ids.forEach((id, i) => {
    const p = data[`p${i}`];
    if (p) found.set(id, { product: { id: p.id, name: p.name, domain: p.domain }, links: p[side] });
  });
  return found;
}

// The product `id`'s lineage: the products reached upstream and downstream, and every link met.
export async function walk(id: string): Promise<{ products: Map<string, Product>; links: ProductLink[]; truncated: boolean }> {
  const products = new Map<string, Product>();
  const links = new Map<string, ProductLink>();
  let truncated = false;
  for (const side of ["upstreamProducts", "downstreamProducts"] as const) {
    const seen = new Set([id]);
    let frontier = [id];
    while (frontier.length) {
      const answers = await linksOf(frontier, side);
      const next = [];
      for (const [, { product, links: found }] of answers) {
        products.set(product.id, product);
        for (const l of found) {
          const [up, down] = side === "upstreamProducts" ? [l.product, product] : [product, l.product];
          links.set(`${up.id}|${down.id}`, { up, down, upstreamPorts: l.upstreamPorts, downstreamPorts: l.downstreamPorts,
            contracts: l.contracts, declared: l.declared, observed: l.observed });
          if (!products.has(l.product.id)) products.set(l.product.id, l.product);
          if (seen.has(l.product.id)) continue;
          if (products.size >= MAX_PRODUCTS) { truncated = true; continue; }
          seen.add(l.product.id);
          next.push(l.product.id);
        }
      }
      frontier = next;
    }
  }
  if (!products.has(id)) throw new Error(`no data product ${id}`);
  const drawn = [...links.values()].filter((l) => products.has(l.up.id) && products.has(l.down.id));
  return { products, links: drawn, truncated };
}

// How a link is known, in words.
export function how(link: ProductLink): string {
  return link.declared && link.observed ? "declared and observed" : link.declared ? "declared only" : "observed only";
}

// A list as the pieces fitPieces packs: "a, ", "b, ", "c", the first after `lead`.
function listed(items: string[], lead = ""): string[] {
  return items.map((item, i) => `${i ? "" : lead}${item}${i < items.length - 1 ? ", " : ""}`);
}

// The ports a link goes through: "orders_7_days → menus_in", or the upstream's alone.
function portsText(link: ProductLink): string {
  const up = link.upstreamPorts.length ? link.upstreamPorts.join(", ") : "(no port named)";
  return link.downstreamPorts.length ? `${up} → ${link.downstreamPorts.join(", ")}` : up;
}

// The drawing's elements: a node per product, a box per link between its two products.
export function elements(focus: string, products: Map<string, Product>, links: ProductLink[]): any[] {
  const out: any[] = [];
  for (const p of products.values()) {
    out.push({ group: "nodes", data: { id: p.id, label: fitLabel(p.name, LABEL_W, FONT_PX), kind: "DATA_PRODUCT", domain: p.domain || null,
      colour: domainColour(p.domain), tip: `data product ${p.name}`, product: { kind: "DATA_PRODUCT", id: p.id, name: p.name } },
    classes: `DATA_PRODUCT named${p.id === focus ? " focus" : ""}` });
  }
  for (const l of links) {
    const id = `ports|${l.up.id}|${l.down.id}`;
    const contracts = l.contracts.map((c) => c.replace(/^contract:/, "")).join(", ");
    // the ports, the downstream's after "→", then the contracts, each piece whole
    const ports = [...listed(l.upstreamPorts.length ? l.upstreamPorts : ["(no port named)"]), ...listed(l.downstreamPorts, " → ")];
    const lines = [fitPieces(ports, LABEL_W, FONT_PX), ...(contracts ? [fitPieces(listed(contracts.split(", "), "contract "), LABEL_W, FONT_PX)] : []), how(l)];
    const label = lines.join("\n");
    const h = Math.ceil(label.split("\n").length * LINE_PX + 10);
    const known = l.declared && l.observed ? "" : l.declared ? " declared-only" : " observed-only";
    const tip = [`${l.up.name} → ${l.down.name}`, `ports ${portsText(l)}`, contracts ? `contracts ${contracts}` : "no contract", how(l)].join("\n");
    out.push({ group: "nodes", data: { id, label, kind: "PORTS", h, tip, link: l }, classes: `PORTS named${known}` });
    out.push({ group: "edges", data: { id: `${id}|in`, source: l.up.id, target: id }, classes: `product-link${known}` });
    out.push({ group: "edges", data: { id: `${id}|out`, source: id, target: l.down.id }, classes: `product-link${known}` });
  }
  return out;
}

// Draws product `id`'s lineage as a new view; returns the status line to show.
export async function drawLineage(cy, id: string): Promise<string> {
  const { products, links, truncated } = await walk(id);
  await draw(cy, elements(id, products, links), { fresh: true, focus: id });
  const graph = document.getElementById("graph");
  graph.dataset.drawn = String(products.size + links.length);
  graph.dataset.hidden = "0";
  const name = products.get(id)?.name || id;
  return `product lineage of ${name}: ${plural("product", products.size)}, ${plural("link", links.length)}` +
    `${truncated ? ` (the nearest ${MAX_PRODUCTS} products)` : ""}`;
}
