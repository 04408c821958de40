// A node's name as its box shows it: whole, broken into lines where a name's parts meet (after a
// ".", "/", ":" or a space, else after a "_"), never inside a part; only a name longer than its lines drops
// parts from its start, marked by "…" at that boundary (the tooltip names it whole). And a count
// of things as words: "1 dataset", "2 datasets".

const FONT_FAMILY = "Helvetica Neue, Helvetica, sans-serif";  // cytoscape's default, which the style keeps

let context: CanvasRenderingContext2D | null = null;

// How wide `text` is drawn at `px` and `weight`, in px at zoom 1 (as cytoscape measures a label).
function width(text: string, px: number, weight: string): number {
  if (!context) context = document.createElement("canvas").getContext("2d");
  context.font = `normal ${weight} ${px}px ${FONT_FAMILY}`;
  return context.measureText(text).width;
}

// The parts of a name, each with the separator that ends it: "sales.quotes_3.table_3" →
// ["sales.", "quotes_3.", "table_3"]; a part too wide alone splits again after each "_".
function parts(text: string, fits: (t: string) => boolean): string[] {
  const coarse = text.match(/[^./:\s]*[./:\s]+|[^./:\s]+$/g) || [text];
  return coarse.flatMap((part) => (fits(part) ? [part] : part.match(/_?[^_]+_*|_+/g) || [part]));
}

const fitted = new Map<string, string>();  // worked out once a name and size: a view's drawing is built several times

// `text` in at most `lines` lines each at most `maxWidth` px wide at `px` (and `weight`), joined by "\n".
export function fitLabel(text: string, maxWidth: number, px: number, lines = 2, weight = "normal"): string {
  const key = `${maxWidth}|${px}|${lines}|${weight}|${text}`;
  if (!fitted.has(key)) fitted.set(key, breakLines(text, maxWidth, px, lines, weight));
  return fitted.get(key);
}

function breakLines(text: string, maxWidth: number, px: number, lines: number, weight: string): string {
  const fits = (t: string) => width(t, px, weight) <= maxWidth;
  if (!text || fits(text)) return text;
  const pieces = parts(text, fits);
  const broken = (from: number, prefix: string) => {
    const out: string[] = [];
    let line = prefix;
    for (const piece of pieces.slice(from)) {
      if (line && line !== prefix && !fits(line + piece)) { out.push(line); line = piece; } else line += piece;
    }
    out.push(line);
    return out;
  };
  let shown = broken(0, "");
  // too many lines: the name's first parts go, "…" where it now starts
  for (let from = 1; shown.length > lines && from < pieces.length; from++) shown = broken(from, "…");
  return shown.slice(-lines).map((line) => (fits(line) ? line : clip(line, fits))).join("\n");
}

// A list in lines at most `maxWidth` px wide at `px`, as many as it needs: `pieces` ("menus, ",
// " → orders_in") packed whole, each line trimmed, a piece broken (fitLabel, in up to `lines` lines) only when wider
// than a line alone.
export function fitPieces(pieces: string[], maxWidth: number, px: number, lines = 2): string {
  const fits = (t: string) => width(t.trim(), px, "normal") <= maxWidth;
  const out: string[] = [];
  let line = "";
  for (const piece of pieces) {
    if (line && !fits(line + piece)) { out.push(line.trim()); line = ""; }
    if (fits(piece)) { line += piece; continue; }
    out.push(...fitLabel(piece.trim(), maxWidth, px, lines).split("\n"));
  }
  if (line) out.push(line.trim());
  return out.join("\n");
}

// One part wider than a whole line (no boundary to break at): cut, "…" at its end.
function clip(line: string, fits: (t: string) => boolean): string {
  let kept = line;
  while (kept.length > 1 && !fits(`${kept}…`)) kept = kept.slice(0, -1);
  return `${kept}…`;
}

// `n` and the noun, singular for one: plural("dataset", 1) is "1 dataset".
export function plural(noun: string, n: number, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}
