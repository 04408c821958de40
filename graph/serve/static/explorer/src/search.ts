// The search box: an ARIA combobox over `searchConnection`. Hits are ranked by the server (exact
// and prefix matches of datasets and jobs first); each shows its kind, namespace and, for a
// column, its dataset. Filters narrow by kind, namespace, domain, owner and tag; the list shows
// the total and pages on. Arrow keys move, Enter picks (the first hit when none is active),
// Escape closes.

import * as api from "./api.js";

const PAGE = 20;

export function createSearch({ onPick, onError, onCancel = () => {} }) {
  const input = document.getElementById("search");
  const results = document.getElementById("search-results");
  const form = document.getElementById("search-form");
  const filters = {
    kind: document.getElementById("filter-kind"),
    namespace: document.getElementById("filter-namespace"),
    domain: document.getElementById("filter-domain"),
    owner: document.getElementById("filter-owner"),
    tag: document.getElementById("filter-tag"),
  };
  let hits = [];
  let total = 0;
  let cursor = null;
  let active = -1;
  let timer = null;
  let asked = 0;  // answers to older questions are dropped

  const guarded = (work) => work().catch(onError);

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
    if (!text) { hits = []; open(false); return; }
    const question = ++asked;
    const page = await api.searchPage(text, chosenFilters(), PAGE, more ? cursor : null);
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
      where.textContent = [hit.kind === "COLUMN" && hit.dataset ? `in ${hit.dataset}` : "", hit.namespace || "", hit.domain ? `domain ${hit.domain}` : ""]
        .filter(Boolean).join(" · ");
      item.append(kind, name, where);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
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
      more.addEventListener("mousedown", (event) => { event.preventDefault(); guarded(() => run(true)); });
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
    guarded(() => onPick(hit));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => guarded(() => run()), 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (results.hidden) { guarded(() => run()); return; }
      const n = hits.length;
      if (!n) return;
      setActive(event.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (event.key === "Escape") {
      if (!results.hidden) { event.preventDefault(); open(false); } else onCancel();
    } else if (event.key === "Enter") {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("blur", () => setTimeout(() => open(false), 150));
  for (const element of Object.values(filters)) {
    if (element) element.addEventListener("change", () => guarded(() => run()));
  }
  // Enter: the hit chosen with the arrow keys, else the best one
  function submit() {
    clearTimeout(timer);
    guarded(async () => {
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
