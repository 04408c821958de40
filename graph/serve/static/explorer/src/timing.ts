// The page's own timings of the last view change, in ms (scripts/bench_explorer.py prints them):
// query (the answer it draws), facts (domains, health), elements (what to draw), update (cytoscape
// told), layout, stack (columns into their datasets) and view (the opening zoom) of a new view,
// place (new nodes placed), frame (to the painted frame).

let timings: Record<string, number> = {};
let timedFrom = performance.now();
let timing = false;  // a view change is being timed (from its start, not from the last paint)

// The time since the last phase ended, added to `phase`.
export function timed(phase: string) {
  const now = performance.now();
  timings[phase] = (timings[phase] || 0) + now - timedFrom;
  timedFrom = now;
}

// A view change begins: its phases timed from now.
export function startTiming() {
  timings = {};
  timedFrom = performance.now();
  timing = true;
}

// A view change is painted: its phases, "frame" the last (a change not started is timed from now).
export function painted(): Record<string, number> {
  if (!timing) startTiming();
  timed("frame");
  timing = false;
  return timings;
}

// Whether a view change is being timed.
export function timingNow(): boolean {
  return timing;
}
