// Standalone SVG outside a browser: Observable Plot draws into a linkedom
// document, and a figure (title, subtitle, legends, the plot, a caption) is
// composed into one <svg> with its own xmlns, so the file opens in any viewer
// and Jupyter can show it as image/svg+xml. Plot's own title and legends are
// HTML (<figure>, <div>), which an SVG file cannot hold: they are drawn here.

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { formatSizeIn, sizeUnit } from "../units/mod.ts";

export const SVG_NS = "http://www.w3.org/2000/svg";

// The few DOM members used here. Deno's type library has no DOM, and
// linkedom's nodes provide these.
export interface DomNode {
  textContent: string | null;
  readonly firstChild: DomNode | null;
  readonly outerHTML: string;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  appendChild(node: DomNode): DomNode;
  insertBefore(node: DomNode, before: DomNode | null): DomNode;
}
export interface DomDocument {
  createElementNS(ns: string, name: string): DomNode;
}
export const FONT = "system-ui, sans-serif";

/** A fresh DOM document for Plot's `document` option. */
export function newDocument(): DomDocument {
  return (parseHTML("<!doctype html><html><head></head><body></body></html>") as unknown as {
    document: DomDocument;
  })
    .document;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Splits text into lines of at most `chars` characters at spaces. */
export function wrap(text: string, chars: number): string[] {
  const lines: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > chars) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Rough width of `text` in px at `fontSize`: system-ui averages ~0.55 em a
 * character, bold ~0.64 em.
 */
export const textWidth = (text: string, fontSize = 11, bold = false) =>
  text.length * fontSize * (bold ? 0.64 : 0.55);

// --- byte axes -------------------------------------------------------------

/** The binary unit to label bytes up to `max` with: [factor, name]. */
export const byteUnit: (max: number) => [number, string] = sizeUnit;

/** "4.25 GiB" in the given unit, at most four significant digits. */
export const formatBytesIn: (bytes: number, unit: [number, string]) => string = formatSizeIn;

/** Bytes in their own binary unit: "16 MiB", "4.25 GiB", "512 B". */
export function formatBytes(bytes: number): string {
  return formatBytesIn(bytes, byteUnit(Math.abs(bytes)));
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m >= 5 ? 10 : m >= 2 ? 5 : m >= 1 ? 2 : 1) * p;
}

/**
 * Tick positions (bytes) for a byte axis over [min, max]: on a log axis
 * spanning a factor of 8 or more, powers of two; otherwise round numbers of
 * the display unit, so labels read "4 GiB", "4.25 GiB" and not 4.29e9.
 */
export function byteTicks(min: number, max: number, count = 6, log = true): number[] {
  if (!(min >= 0) || !(max > min) || (log && !(min > 0))) return [];
  if (log && max / min >= 8) {
    const lo = Math.ceil(Math.log2(min)), hi = Math.floor(Math.log2(max));
    const every = Math.max(1, Math.ceil((hi - lo + 1) / count));
    const out: number[] = [];
    for (let e = lo; e <= hi; e += every) out.push(2 ** e);
    return out;
  }
  const [factor] = byteUnit(max);
  const step = niceStep((max - min) / factor, count) * factor;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max * (1 + 1e-12); v += step) out.push(v);
  return out;
}

// --- legends ---------------------------------------------------------------

export interface LegendEntry {
  label: string;
  /** How the key is drawn: a filled symbol, a swatch, a line, a dashed line. */
  kind: "symbol" | "swatch" | "line" | "dash";
  color?: string;
  /** A Plot symbol name for kind "symbol" (circle, square, triangle, ...). */
  symbol?: string;
  /** Draw the symbol as an outline in `color` (as hollow marks are). */
  hollow?: boolean;
}

/**
 * One legend row as an SVG element drawn by Plot (so symbols match the
 * marks'): a bold name, then the entries. Each entry's key is a mark whose
 * aria-label is "legend-entry"; the height is 22 px.
 */
export function legendSvg(
  document: DomDocument,
  name: string,
  entries: readonly LegendEntry[],
  width: number,
): DomNode {
  const marks: Plot.Markish[] = [
    Plot.text([name], { x: 0, y: 11, text: (d) => d, textAnchor: "start", fontWeight: "bold" }),
  ];
  const indent = textWidth(name, 11, true) + 14;
  let x = indent;
  let y = 11;
  for (const e of entries) {
    const color = e.color ?? "currentColor";
    const step = 22 + textWidth(e.label) + 20;
    if (x > indent && x + step - 20 > width) {
      x = indent;
      y += 20;
    }
    const at = { x: x + 8, y };
    if (e.kind === "symbol") {
      marks.push(Plot.dot([at], {
        x: "x",
        y: "y",
        r: 4.5,
        symbol: e.symbol ?? "circle",
        fill: e.hollow ? "none" : color,
        stroke: e.hollow ? color : "white",
        strokeWidth: e.hollow ? 1.6 : 1,
        className: "legend-entry",
      }));
    } else if (e.kind === "swatch") {
      marks.push(Plot.rect([at], {
        x1: (d) => d.x - 6,
        x2: (d) => d.x + 6,
        y1: (d) => d.y - 6,
        y2: (d) => d.y + 6,
        fill: color,
        className: "legend-entry",
      }));
    } else {
      marks.push(Plot.link([at], {
        x1: (d) => d.x - 8,
        x2: (d) => d.x + 8,
        y1: "y",
        y2: "y",
        stroke: color,
        strokeWidth: 2,
        strokeDasharray: e.kind === "dash" ? "4,3" : undefined,
        className: "legend-entry",
      }));
    }
    marks.push(Plot.text([e.label], {
      x: x + 22,
      y,
      text: (d) => d,
      textAnchor: "start",
      className: "legend-label",
    }));
    x += step;
  }
  const svg = Plot.plot({
    document,
    width,
    height: y + 11,
    margin: 0,
    axis: null,
    x: { type: "identity" },
    y: { type: "identity" },
    style: { fontSize: "11px" },
    marks,
  }) as unknown as DomNode;
  svg.setAttribute("aria-label", `legend ${name}`);
  return svg;
}

// --- the figure --------------------------------------------------------------

export interface FigureParts {
  title?: string;
  subtitle?: string;
  caption?: string;
  legends?: DomNode[];
  /** The plot's <svg> (Plot.plot's result when it has no title or legend). */
  plot: DomNode;
}

function text(
  document: DomDocument,
  s: string,
  x: number,
  y: number,
  attrs: Record<string, string>,
) {
  const t = document.createElementNS(SVG_NS, "text");
  t.setAttribute("x", String(x));
  t.setAttribute("y", String(y));
  for (const [k, v] of Object.entries(attrs)) t.setAttribute(k, v);
  t.textContent = s;
  return t;
}

/** Stacks title, subtitle, legends, plot and caption into one standalone SVG string. */
export function composeFigure(document: DomDocument, parts: FigureParts): string {
  const width = Number(parts.plot.getAttribute("width"));
  const root = document.createElementNS(SVG_NS, "svg");
  const pad = 4;
  let y = pad;
  const add = (el: DomNode) => root.appendChild(el);
  if (parts.title) {
    y += 18;
    add(text(document, parts.title, pad, y, {
      "font-size": "16",
      "font-weight": "bold",
      class: "figure-title",
    }));
  }
  if (parts.subtitle) {
    for (const line of wrap(parts.subtitle, Math.floor(width / 7))) {
      y += 17;
      add(
        text(document, line, pad, y, { "font-size": "12", fill: "#555", class: "figure-subtitle" }),
      );
    }
  }
  y += 6;
  for (const legend of parts.legends ?? []) {
    legend.setAttribute("x", String(pad));
    legend.setAttribute("y", String(y));
    add(legend);
    y += Number(legend.getAttribute("height")) + 2;
  }
  parts.plot.setAttribute("x", "0");
  parts.plot.setAttribute("y", String(y));
  add(parts.plot);
  y += Number(parts.plot.getAttribute("height"));
  if (parts.caption) {
    y += 4;
    for (const line of wrap(parts.caption, Math.floor(width / 6))) {
      y += 14;
      add(
        text(document, line, pad, y, { "font-size": "11", fill: "#555", class: "figure-caption" }),
      );
    }
  }
  y += pad;
  const legendWidth = Math.max(
    0,
    ...(parts.legends ?? []).map((l) => Number(l.getAttribute("width"))),
  );
  const total = Math.max(width, legendWidth + pad);
  root.setAttribute("xmlns", SVG_NS);
  root.setAttribute("width", String(total));
  root.setAttribute("height", String(Math.ceil(y)));
  root.setAttribute("viewBox", `0 0 ${total} ${Math.ceil(y)}`);
  root.setAttribute("font-family", FONT);
  root.setAttribute("class", "figure");
  // A white background, so the figure reads in dark viewers too.
  const bg = document.createElementNS(SVG_NS, "rect");
  bg.setAttribute("width", "100%");
  bg.setAttribute("height", "100%");
  bg.setAttribute("fill", "white");
  root.insertBefore(bg, root.firstChild);
  return root.outerHTML;
}
