// Light and dark colours (the browser's prefers-color-scheme) and the domain palette: every domain
// the server knows gets its own hue, in alphabetical order around the colour wheel by the golden
// angle, so no two domains share a colour and a domain keeps its colour from view to view.

const dark = window.matchMedia("(prefers-color-scheme: dark)");

const LIGHT = {
  text: "#1f2933", mutedText: "#52606d", border: "#52606d", focus: "#2f5dab", bad: "#c62828", warn: "#ef8c00",
  info: "#5c7c99", muted: "#7b8794", edge: "#9fb3c8", column: "#ffffff", column_edge: "#6a4c93", path: "#d81b60",
  pathFill: "#fce4ec", stubFill: "#ffffff", impact: "#e57373", noDomain: "#d9e2ec", job: "#f0f4f8", background: "#ffffff",
};
const DARK = {
  text: "#e4e7eb", mutedText: "#9aa5b1", border: "#9aa5b1", focus: "#8fb8ff", bad: "#ff6b6b", warn: "#ffb74d",
  info: "#90a4ae", muted: "#9aa5b1", edge: "#62748a", column: "#1f2933", column_edge: "#c3a6ff", path: "#ff5c9a",
  pathFill: "#5c1a33", stubFill: "#1a2230", impact: "#ef9a9a", noDomain: "#3e4c59", job: "#2b3543", background: "#12181f",
};

export function isDark() {
  return dark.matches;
}

export function colours() {
  return dark.matches ? DARK : LIGHT;
}

export function onThemeChange(callback) {
  dark.addEventListener("change", callback);
}

const domainIndex = new Map();

// The domains to colour, all at once (sorted, so the colours do not depend on what is drawn).
export function setDomains(names) {
  domainIndex.clear();
  [...new Set(names)].sort().forEach((name, i) => domainIndex.set(name, i));
}

export function domainColour(domain) {
  if (!domain) return colours().noDomain;
  if (!domainIndex.has(domain)) domainIndex.set(domain, domainIndex.size);
  const hue = (domainIndex.get(domain) * 137.508 + 200) % 360;
  return dark.matches ? `hsl(${hue.toFixed(1)}, 45%, 32%)` : `hsl(${hue.toFixed(1)}, 70%, 82%)`;
}

export function jobColour() {
  return colours().job;
}
