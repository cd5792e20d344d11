// The answer's figure: every candidate on the plane of migration data sent (x)
// against the guest's cost (y), one facet per IO page size, as the headline
// frontier figure has it (lib/notebook frontierPlot), with the guest tolerance
// drawn, the configurations that miss the limits faded, and the recommendation
// and runner-up ringed and labelled. Observable Plot draws into linkedom; the
// title, legend and caption are SVG text, so the file stands alone.

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { byteTicks } from "../notebook/mod.ts";
import type { GuestCost } from "./metrics.ts";
import { fmtPct } from "./metrics.ts";
import { type Evaluated, fmtBytes, type Ranking, shortName } from "./rank.ts";

const VARIANT_COLORS: Record<string, string> = {
  none: "#4269d0",
  eager: "#ff725c",
  lazy: "#3ca951",
  "lazy ×2": "#efb118",
  "lazy early": "#a463f2",
};
const MORE = ["#9c6b4e", "#ff8ab7", "#6cc5b0", "#97bbf5"];
const SYMBOLS = ["circle", "square", "triangle", "diamond", "star"];
const FONT = "system-ui, sans-serif";
const SVG_NS = "http://www.w3.org/2000/svg";

export interface FigureOptions {
  title: string;
  /** Lines under the title (the workload, the limits). */
  subtitle: string[];
  caption: string[];
  width?: number;
}

interface DomNode {
  outerHTML: string;
  getAttribute(name: string): string | null;
}

interface Point {
  page: string;
  variant: string;
  batch: string;
  x: number;
  xMin: number;
  xMax: number;
  y: number;
  yMin: number;
  yMax: number;
  meets: boolean;
  converged: boolean;
  n: number;
  name: string;
  title: string;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function wrap(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Powers of two in [lo, hi] when there are two or more (1, 2, 4, 8 GiB), else round steps. */
function xTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log2(lo)); 2 ** e <= hi; e++) out.push(2 ** e);
  return out.length >= 2 ? out : byteTicks(lo, hi, 4);
}

function points(evaluated: readonly Evaluated[], guest: GuestCost): Point[] {
  return evaluated.filter((e) => e.runs > 0 && Number.isFinite(e.bytes.mean)).map((e) => ({
    page: e.candidate.pageLabel,
    variant: e.candidate.variant.label,
    batch: String(e.candidate.clearBatch),
    x: e.bytes.mean,
    xMin: e.bytes.min,
    xMax: e.bytes.max,
    y: e.guest.mean,
    yMin: e.guest.min,
    yMax: e.guest.max,
    meets: e.meets,
    converged: e.converged === e.runs,
    n: e.runs,
    name: shortName(e.candidate),
    title: [
      shortName(e.candidate),
      `data sent ${fmtBytes(e.bytes.mean)}, ${guest.label} ${fmtPct(e.guest.mean)}`,
      e.meets ? "meets the limits" : e.failures.map((f) => f.text).join("; "),
    ].join("\n"),
  }));
}

/** The figure as a standalone SVG string. */
export function adviseFigure(
  evaluated: readonly Evaluated[],
  ranking: Ranking,
  guest: GuestCost,
  options: FigureOptions,
): string {
  const data = points(evaluated, guest);
  if (data.length === 0) throw new Error("adviseFigure: no run to plot");
  const width = options.width ?? 980;
  // Deno's type library has no DOM; linkedom's document is what Plot needs.
  const { document } = parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: unknown;
  };
  const pageOrder = [...new Set(evaluated.map((e) => e.candidate.pageSize))].sort((a, b) => a - b)
    .map((s) => evaluated.find((e) => e.candidate.pageSize === s)!.candidate.pageLabel)
    .filter((p) => data.some((d) => d.page === p));
  const variants = [...new Set(data.map((d) => d.variant))];
  let more = 0;
  const colors = variants.map((v) => VARIANT_COLORS[v] ?? MORE[more++ % MORE.length]);
  // Clear batches in their natural order: 1, 64, ..., then "round".
  const batches = [...new Set(data.map((d) => d.batch))].sort((a, b) =>
    (a === "round" ? Infinity : Number(a)) - (b === "round" ? Infinity : Number(b))
  );
  const symbols = batches.map((_, i) => SYMBOLS[i % SYMBOLS.length]);

  const lo = Math.min(...data.map((d) => d.xMin)), hi = Math.max(...data.map((d) => d.xMax));
  // Wide enough to show the power of two at or below the smallest mark.
  const xDomain = [Math.min(lo / 1.04, 2 ** Math.floor(Math.log2(lo)) * 0.97), hi * 1.06];
  const yTop = Math.max(guest.limit, ...data.map((d) => d.yMax)) * 1.15 || 0.01;
  const marked = (e: Evaluated | undefined, label: string) => {
    if (!e) return [];
    const p = data.find((d) => d.name === shortName(e.candidate));
    return p ? [{ ...p, label: `${label}: ${p.variant}, batch ${p.batch}` }] : [];
  };
  const rec = marked(ranking.recommendation, "recommended");
  const runner = marked(ranking.runnerUp, "runner-up");
  // Recommendation and runner-up on the same spot share one label.
  const together = rec.length && runner.length && rec[0].page === runner[0].page &&
    Math.abs(Math.log(rec[0].x / runner[0].x)) < 0.02 &&
    Math.abs(rec[0].y - runner[0].y) < 0.01 * yTop;
  if (together) {
    rec[0].label += ` (runner-up ${runner[0].variant}, batch ${runner[0].batch}, same spot)`;
  }
  const halo = { stroke: "white", strokeWidth: 3, paintOrder: "stroke" };
  const spread = data.filter((d) => d.n > 1 && (d.xMax > d.xMin || d.yMax > d.yMin));
  const anchorOf = (d: Point) => {
    const f = Math.log(d.x / xDomain[0]) / Math.log(xDomain[1] / xDomain[0]);
    return f > 0.6 ? "end" : "start";
  };

  const plot = Plot.plot({
    document,
    width,
    height: 360,
    marginLeft: 60,
    marginRight: 24,
    marginTop: 30,
    marginBottom: 42,
    style: { fontSize: "11px" },
    fx: { domain: pageOrder, label: "IO page size", padding: 0.08 },
    x: {
      type: "log",
      base: 2,
      domain: xDomain,
      inset: 16,
      ticks: xTicks(xDomain[0], xDomain[1]),
      tickFormat: (b: number) => fmtBytes(b),
      label: "Migration data sent →",
      grid: true,
    },
    y: {
      // Fractions on the scale, percentages on the ticks (Plot's percent
      // option would rescale the data but not this domain).
      domain: [0, yTop],
      tickFormat: (v: number) => `${+(v * 100).toFixed(1)}`,
      grid: true,
      label: `↑ Guest cost: ${guest.label} while tracking (%)`,
    },
    color: { domain: variants, range: colors },
    symbol: { domain: batches, range: symbols },
    marks: [
      Plot.frame({ stroke: "#ccc" }),
      // The guest's tolerance: above it a configuration costs the guest too much.
      Plot.rect(pageOrder, {
        fx: (d: string) => d,
        y1: guest.limit,
        y2: yTop,
        fill: "#d62728",
        fillOpacity: 0.06,
        className: "over-tolerance",
      }),
      Plot.ruleY(pageOrder.map((p) => ({ page: p, y: guest.limit })), {
        fx: "page",
        y: "y",
        stroke: "#d62728",
        strokeDasharray: "5,3",
        className: "tolerance",
      }),
      Plot.text(pageOrder.slice(-1).map((p) => ({ page: p, y: guest.limit })), {
        fx: "page",
        y: "y",
        text: () => `guest tolerance ${fmtPct(guest.limit)}`,
        frameAnchor: "right",
        textAnchor: "end",
        dx: -4,
        dy: -7,
        fill: "#d62728",
        ...halo,
        className: "tolerance-label",
      }),
      Plot.ruleY(spread, {
        fx: "page",
        y: "y",
        x1: "xMin",
        x2: "xMax",
        stroke: "variant",
        strokeOpacity: 0.7,
      }),
      Plot.ruleX(spread, {
        fx: "page",
        x: "x",
        y1: "yMin",
        y2: "yMax",
        stroke: "variant",
        strokeOpacity: 0.7,
      }),
      Plot.dot(data, {
        fx: "page",
        x: "x",
        y: "y",
        stroke: "variant",
        symbol: "batch",
        fill: "white",
        fillOpacity: 0.5,
        strokeOpacity: (d: Point) => (d.meets ? 1 : 0.4),
        r: 5,
        strokeWidth: 1.6,
        title: "title",
        className: "configuration",
      }),
      Plot.dot(data.filter((d) => !d.converged), {
        fx: "page",
        x: "x",
        y: "y",
        symbol: "times",
        stroke: "#222",
        r: 6,
        strokeWidth: 1.6,
        className: "not-converged",
      }),
      Plot.dot(runner, {
        fx: "page",
        x: "x",
        y: "y",
        r: 11,
        stroke: "#555",
        strokeWidth: 1.8,
        strokeDasharray: "3,2",
        className: "runner-up",
      }),
      Plot.dot(rec, {
        fx: "page",
        x: "x",
        y: "y",
        r: 12,
        stroke: "#111",
        strokeWidth: 2.6,
        className: "recommendation",
      }),
      ...[
        ...(together ? [] : runner).map((d) => ({ ...d, kind: "runner-up" })),
        ...rec.map((d) => ({
          ...d,
          kind: "recommendation",
        })),
      ].map((d) =>
        Plot.text([d], {
          fx: "page",
          x: "x",
          y: "y",
          text: "label",
          textAnchor: anchorOf(d),
          dx: anchorOf(d) === "end" ? -16 : 16,
          dy: d.kind === "recommendation" ? -16 : -30,
          fontWeight: d.kind === "recommendation" ? "bold" : "normal",
          fill: d.kind === "recommendation" ? "#111" : "#555",
          ...halo,
          className: `${d.kind}-label`,
        })
      ),
    ],
  }) as unknown as DomNode;

  // Legend: one row per channel, drawn as SVG text and Plot symbols' paths.
  const legendItems: { label: string; color: string; symbol: string; hollow: boolean }[][] = [
    variants.map((v, i) => ({ label: v, color: colors[i], symbol: "circle", hollow: false })),
    batches.map((b, i) => ({
      label: `clear batch ${b}`,
      color: "#555",
      symbol: symbols[i],
      hollow: true,
    })),
    [
      { label: "did not converge", color: "#222", symbol: "times", hollow: true },
      { label: "faded: misses a limit", color: "#bbb", symbol: "circle", hollow: true },
    ],
  ];
  const legendNames = ["Split", "Clear batching", "Marks"];
  const legendMarks: Plot.Markish[] = [];
  const rowH = 20;
  legendItems.forEach((items, row) => {
    const y = 10 + row * rowH;
    legendMarks.push(
      Plot.text([legendNames[row]], {
        x: 0,
        y,
        text: (d: string) => d,
        textAnchor: "start",
        fontWeight: "bold",
      }),
    );
    let x = 110;
    for (const it of items) {
      legendMarks.push(
        Plot.dot([{ x: x + 6, y }], {
          x: "x",
          y: "y",
          r: 4.5,
          symbol: it.symbol,
          stroke: it.color,
          fill: it.hollow ? "none" : it.color,
          strokeWidth: 1.6,
        }),
        Plot.text([it.label], {
          x: x + 16,
          y,
          text: (d: string) => d,
          textAnchor: "start",
        }),
      );
      x += 30 + it.label.length * 6.2;
    }
  });
  const legendHeight = legendItems.length * rowH + 2;
  const legend = Plot.plot({
    document,
    width,
    height: legendHeight,
    margin: 0,
    axis: null,
    x: { type: "identity" },
    y: { type: "identity" },
    style: { fontSize: "11px" },
    marks: legendMarks,
  }) as unknown as DomNode;

  const pad = 6;
  const parts: string[] = [];
  let y = pad + 18;
  parts.push(
    `<text x="${pad}" y="${y}" font-size="16" font-weight="bold" class="figure-title">${
      escapeXml(options.title)
    }</text>`,
  );
  for (const line of options.subtitle.flatMap((s) => wrap(s, Math.floor(width / 6.8)))) {
    y += 16;
    parts.push(
      `<text x="${pad}" y="${y}" font-size="12" fill="#444" class="figure-subtitle">${
        escapeXml(line)
      }</text>`,
    );
  }
  y += 10;
  const nest = (node: DomNode, at: number) =>
    node.outerHTML.replace(/^<svg /, `<svg x="0" y="${at}" `);
  parts.push(nest(legend, y));
  y += legendHeight + 4;
  parts.push(nest(plot, y));
  y += Number(plot.getAttribute("height"));
  for (const line of options.caption.flatMap((s) => wrap(s, Math.floor(width / 6)))) {
    y += 14;
    parts.push(
      `<text x="${pad}" y="${y}" font-size="11" fill="#555" class="figure-caption">${
        escapeXml(line)
      }</text>`,
    );
  }
  y += pad + 4;
  const h = Math.ceil(y);
  return `<svg xmlns="${SVG_NS}" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" ` +
    `font-family="${FONT}" class="advise-figure"><rect width="100%" height="100%" fill="white"/>` +
    parts.join("") + "</svg>";
}
