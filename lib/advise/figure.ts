// The answer's figure: every candidate on the plane of migration data sent (x)
// against the guest's cost (y), one facet per IO page size, as the headline
// frontier figure has it (lib/notebook frontierPlot), with the guest tolerance
// drawn, the configurations that miss the limits faded, and the recommendation
// and runner-up ringed and labelled. Observable Plot draws into linkedom, and
// the notebook layer's figure parts (legend rows, title and caption stacked
// with the plot) make it one standalone SVG, styled as the other figures.

import * as Plot from "@observablehq/plot";
import {
  byteTicks,
  colorsFor,
  composeFigure,
  frameMark,
  HALO,
  type LegendEntry,
  legendSvg,
  MORE_POLICY_COLORS,
  newDocument,
  plotSvg,
  POLICY_COLORS,
  sortClearBatches,
  SYMBOLS,
} from "../notebook/mod.ts";
import type { GuestCost } from "./metrics.ts";
import { fmtPct } from "./metrics.ts";
import { type Evaluated, fmtBytes, type Ranking, shortName } from "./rank.ts";

/** The split policies' colours, then the two lazy variants' (the first of the further ones). */
const VARIANT_COLORS: Readonly<Record<string, string>> = {
  ...POLICY_COLORS,
  "lazy ×2": MORE_POLICY_COLORS[0],
  "lazy early": MORE_POLICY_COLORS[1],
};

export interface FigureOptions {
  title: string;
  /** Lines under the title (the workload, the limits). */
  subtitle: string[];
  caption: string[];
  width?: number;
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
  const document = newDocument();
  const pageOrder = [...new Set(evaluated.map((e) => e.candidate.pageSize))].sort((a, b) => a - b)
    .map((s) => evaluated.find((e) => e.candidate.pageSize === s)!.candidate.pageLabel)
    .filter((p) => data.some((d) => d.page === p));
  const variants = [...new Set(data.map((d) => d.variant))];
  const colors = colorsFor(variants, VARIANT_COLORS, MORE_POLICY_COLORS.slice(2));
  // Clear batches in the legend order of every figure: 1, 64, ..., then "round".
  const batches = sortClearBatches(data.map((d) => d.batch));
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
  const spread = data.filter((d) => d.n > 1 && (d.xMax > d.xMin || d.yMax > d.yMin));
  const anchorOf = (d: Point) => {
    const f = Math.log(d.x / xDomain[0]) / Math.log(xDomain[1] / xDomain[0]);
    return f > 0.6 ? "end" : "start";
  };

  const plot = plotSvg(document, {
    width,
    height: 360,
    marginLeft: 60,
    marginRight: 24,
    marginTop: 30,
    marginBottom: 42,
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
      frameMark(),
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
        ...HALO,
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
          ...HALO,
          className: `${d.kind}-label`,
        })
      ),
    ],
  });

  const legend = (name: string, entries: LegendEntry[]) =>
    legendSvg(document, name, entries, width - 8);
  return composeFigure(document, {
    title: options.title,
    subtitle: options.subtitle.join("\n"),
    legends: [
      legend(
        "Split",
        variants.map((v, i) => ({ label: v, kind: "symbol", symbol: "circle", color: colors[i] })),
      ),
      legend(
        "Clear batching",
        batches.map((b, i) => ({
          label: `clear batch ${b}`,
          kind: "symbol",
          symbol: symbols[i],
          color: "#555",
          hollow: true,
        })),
      ),
      legend("Marks", [
        { label: "did not converge", kind: "symbol", symbol: "times", color: "#222", hollow: true },
        {
          label: "faded: misses a limit",
          kind: "symbol",
          symbol: "circle",
          color: "#bbb",
          hollow: true,
        },
      ]),
    ],
    plot,
    // One line (or more, wrapped) per caption sentence; an empty one is left out.
    caption: options.caption.filter(Boolean).join("\n"),
  });
}
