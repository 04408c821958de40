// The URL holds the view, each view a history entry: #node=...&mode=...&change=...&depth=...&at=...
// &to=...&path=...&cols=...&x=... reproduces it (main.ts opens what readURL gives).

export const DEFAULT_DEPTH = "2";  // dataset hops drawn each side when a node is opened

export function writeViewURL(state, push = false) {
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

export function readURL() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { node: params.get("node"), mode: params.get("mode") || "lineage", change: params.get("change") || "DROP",
    cols: params.getAll("cols"), x: params.getAll("x"), depth: params.get("depth") || DEFAULT_DEPTH,
    columns: params.get("columns") === "1", path: params.get("path"), to: params.get("to"), asOf: validTime(params.get("at")) };
}

// An ISO time as the server takes it, or null (none, or not a time).
export function validTime(text) {
  if (!text) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time.toISOString().replace(".000Z", "Z");
}
