// The platform's figures, drawn with Observable Plot into linkedom and
// returned as standalone SVG strings. frontierPlot is the headline: each
// configuration on the plane of migration data transferred (x) against the
// guest's IOTLB miss rate while tracking (y; or its DMA slowdown, MODEL §12),
// faceted by IO page size (MODEL.md); roundsPlot shows one migration's rounds.

import * as Plot from "@observablehq/plot";
import type { RoundRecord, SimResult } from "../migration/types.ts";
import {
  aggregateConfigs,
  type ConfigPoint,
  frontierByPageSize,
  notAllConverged,
  overlapGroups,
  sortClearBatches,
  sortSplits,
  varyingColumns,
} from "./frontier_data.ts";
import { type RowsInput, toRounds } from "./rows.ts";
import {
  captionText,
  colorsFor,
  formatMs,
  frameMark,
  HALO,
  MORE_POLICY_COLORS,
  percent,
  plotSvg,
  POLICY_COLORS,
  sourceSentence,
  SYMBOLS,
} from "./marks.ts";
import {
  byteTicks,
  byteUnit,
  composeFigure,
  type DomDocument,
  type DomNode,
  formatBytes,
  formatBytesIn,
  type LegendEntry,
  legendSvg,
  newDocument,
} from "./svg.ts";

/**
 * The cost on y: how it is named and written, and whether it has a
 * tracking-off rule. The guest's cost (a fraction, in percent) or the
 * downtime (ms): lower is better on every one, so the frontier stays Pareto.
 */
const Y_AXES = {
  iotlbMissRate: {
    label: "↑ Guest IOTLB miss rate while tracking (%)",
    tooltip: "IOTLB miss rate",
    caption: "IOTLB misses / translations of the device's DMA while dirty tracking is on",
    title: "Dirty tracking: guest IOTLB cost vs migration data",
    subtitle: "Splitting huge IO pages for 4 KiB tracking sends less data but costs the guest " +
      "IOTLB misses",
    baseline: true,
    percent: true,
    format: (v: number) => pct(v),
  },
  guestDmaSlowdown: {
    label: "↑ Guest DMA slowdown while tracking (%)",
    tooltip: "DMA slowdown",
    caption: "1 − the device's modelled DMA throughput while tracking / before tracking " +
      "(MODEL.md §12); 0 is tracking off",
    title: "Dirty tracking: guest DMA slowdown vs migration data",
    subtitle: "Splitting huge IO pages for 4 KiB tracking sends less data but costs the guest " +
      "DMA throughput",
    baseline: false,
    percent: true,
    format: (v: number) => pct(v),
  },
  downtimeMs: {
    label: "↑ Downtime: stop-and-copy, last read and its flush (ms)",
    tooltip: "downtime",
    caption: "the stop-and-copy at the bandwidth plus the last dirty read and its flush, " +
      "with the guest paused (MODEL.md §13)",
    title: "Dirty tracking: downtime vs migration data",
    subtitle: "Tracking at 4 KiB sends less data but makes the last dirty read walk 512 times " +
      "the leaves",
    baseline: false,
    percent: false,
    format: formatMs,
  },
} as const;

type YAxis = (typeof Y_AXES)[keyof typeof Y_AXES];

export interface FrontierPlotOptions {
  /** Metric on x (default "bytesTransferred"; "dirtyBytesTransferred" also fits). */
  x?: "bytesTransferred" | "dirtyBytesTransferred";
  /**
   * The cost on y: the guest's, "iotlbMissRate" (default) or "guestDmaSlowdown";
   * or the migration's, "downtimeMs".
   */
  y?: keyof typeof Y_AXES;
  /** Where the data came from, for the caption (e.g. "sweep 3f2a in data/results.duckdb"). */
  source?: string;
  title?: string;
  subtitle?: string;
  /** Total width in px (default 960). */
  width?: number;
  /** Plot area height in px (default 380). */
  height?: number;
  /** Draw each facet's baseline miss rate (tracking off) as a dashed rule (default true). */
  baseline?: boolean;
}

const pct = (v: number) => percent(v, 3);

/** The not-converged overlay and its label. */
const NOT_CONVERGED_COLOR = "#222";
/** The baseline rule and its label. */
const BASELINE_COLOR = "#777";

/** "converged: 3/3 runs", "NOT CONVERGED: 2 of 3 runs hit maxRounds ...", "" when unknown. */
function convergenceText(p: ConfigPoint): string {
  const known = p.nConverged + p.nNotConverged;
  if (known === 0) return "";
  if (p.nNotConverged === 0) return `converged: ${known}/${known} runs`;
  return `NOT CONVERGED: ${p.nNotConverged} of ${known} runs hit maxRounds ` +
    "without meeting the downtime limit";
}

function tooltip(
  p: ConfigPoint,
  extra: string[],
  others: ConfigPoint[] = [],
  yAxis: YAxis = Y_AXES.iotlbMissRate,
): string {
  const fmt = yAxis.format;
  const lines = [
    `split ${p.split}, clear batch ${p.clearBatch}, IO page ${p.pageSizeLabel}`,
    `data sent: ${formatBytes(p.x)}` +
    (p.n > 1 ? ` (${formatBytes(p.xMin)} – ${formatBytes(p.xMax)})` : ""),
    `${yAxis.tooltip}: ${fmt(p.y)}` + (p.n > 1 ? ` (${fmt(p.yMin)} – ${fmt(p.yMax)})` : ""),
    `runs (seeds): ${p.n}`,
  ];
  const conv = convergenceText(p);
  if (conv) lines.push(conv);
  for (const c of extra) lines.push(`${c} = ${JSON.stringify(p.config[c])}`);
  if (others.length) {
    lines.push(
      `same spot as ${others.length} other configuration(s): ` +
        others.map((o) => `${o.split}/${o.clearBatch}`).join(", "),
    );
  }
  return lines.join("\n");
}

// --- the frontier figure's data: encodings, baselines, x domain, labels -----

/** Colour per split policy, symbol per clear batch, a facet per IO page size. */
interface FrontierEncoding {
  splits: string[];
  colors: string[];
  batches: string[];
  symbols: string[];
  /** Page sizes in bytes, ascending, and their labels ("4KiB"). */
  facets: number[];
  facetLabels: string[];
}

function frontierEncoding(points: readonly ConfigPoint[]): FrontierEncoding {
  const splits = sortSplits(points.map((p) => p.split));
  const colors = colorsFor(splits, POLICY_COLORS, MORE_POLICY_COLORS);
  const batches = sortClearBatches(points.map((p) => p.clearBatch));
  const symbols = batches.map((_, i) => SYMBOLS[i % SYMBOLS.length]);
  const facets = [...new Set(points.map((p) => p.pageSize))].sort((a, b) => a - b);
  const facetLabels = facets.map((s) => points.find((p) => p.pageSize === s)!.pageSizeLabel);
  return { splits, colors, batches, symbols, facets, facetLabels };
}

/** A facet's baseline miss rate (tracking off): the mean over its configurations. */
interface FacetBaseline {
  pageSizeLabel: string;
  baseline: number;
}

function facetBaselines(points: readonly ConfigPoint[], facets: number[]): FacetBaseline[] {
  return facets.flatMap((s) => {
    const bs = points.filter((p) => p.pageSize === s && Number.isFinite(p.baseline));
    if (bs.length === 0) return [];
    const b = bs.reduce((a, p) => a + p.baseline, 0) / bs.length;
    return [{ pageSizeLabel: bs[0].pageSizeLabel, baseline: b }];
  });
}

/** The log x domain over every seed's x, padded so marks do not sit on the frame. */
function byteLogDomain(points: readonly ConfigPoint[]): number[] {
  const xLo = Math.min(...points.map((p) => p.xMin)), xHi = Math.max(...points.map((p) => p.xMax));
  // Pad the log domain by ~3% each side so marks do not sit on the frame.
  const xDomain = xLo === xHi ? [xLo / 1.1, xHi * 1.1] : [xLo / 1.03, xHi * 1.03];
  // A wide range gets power-of-two ticks: start at one, so the left end is labelled.
  if (xDomain[1] / xDomain[0] >= 8) {
    xDomain[0] = Math.min(xDomain[0], 2 ** Math.floor(Math.log2(xLo)));
  }
  return xDomain;
}

/** Where a value sits across a facet of a log domain (0 = left edge, 1 = right). */
const logFraction = (domain: number[]) => (x: number) =>
  Math.log(x / domain[0]) / Math.log(domain[1] / domain[0]);

/** A text label at a configuration's spot. */
interface SpotLabel {
  pageSizeLabel: string;
  x: number;
  y: number;
  text: string;
  kind: "count" | "converged";
}

type TextAnchor = "start" | "middle" | "end";

/** Labels that share a placement (anchor and offset): one text mark draws them. */
interface LabelSet {
  options: { textAnchor: TextAnchor; dx: number; dy: number };
  data: SpotLabel[];
}

/**
 * The labels of configurations drawn on top of each other (their count) and
 * of those that did not converge. A count goes below its mark (the frontier
 * leaves a mark rightwards, at its height) and the not-converged label above;
 * near the floor both go above. Near the facets' sides the text is anchored
 * so it stays inside.
 */
function spotLabels(
  groups: readonly ConfigPoint[][],
  xFrac: (x: number) => number,
  yTop: number,
): LabelSet[] {
  const placed = new Map<string, LabelSet>();
  const place = (l: SpotLabel, textAnchor: TextAnchor, dx: number, dy: number) => {
    const key = `${l.kind} ${textAnchor} ${dx} ${dy}`;
    if (!placed.has(key)) placed.set(key, { options: { textAnchor, dx, dy }, data: [] });
    placed.get(key)!.data.push(l);
  };
  for (const g of groups) {
    const top = g[g.length - 1]; // drawn last
    const bad = g.filter(notAllConverged);
    const badRuns = bad.reduce((a, p) => a + p.nNotConverged, 0);
    const knownRuns = bad.reduce((a, p) => a + p.nConverged + p.nNotConverged, 0);
    const at = { pageSizeLabel: top.pageSizeLabel, x: top.x, y: top.y };
    const f = xFrac(top.x);
    const [anchor, dx]: [TextAnchor, number] = f > 0.85
      ? ["end", 6]
      : f < 0.15
      ? ["start", -6]
      : ["middle", 0];
    const floor = top.y < 0.08 * yTop;
    // On the floor: up and to the right, clear of a frontier arriving from
    // above, or to the left near the right side.
    const [floorAnchor, floorDx]: [TextAnchor, number] = f < 0.7 ? ["start", 8] : ["end", -8];
    const count: SpotLabel | null = g.length > 1
      ? { ...at, text: `${g.length} configs`, kind: "count" }
      : null;
    if (count && !floor) place(count, anchor, dx, 17);
    if (count && floor) place(count, floorAnchor, floorDx, -12);
    if (bad.length) {
      const text = badRuns === knownRuns
        ? "not converged"
        : `${badRuns}/${knownRuns} runs not converged`;
      const l: SpotLabel = { ...at, text, kind: "converged" };
      if (!floor) place(l, anchor, dx, -14);
      else place(l, floorAnchor, floorDx, count ? -26 : -12);
    }
  }
  return [...placed.values()];
}

/** A baseline and the side of its facet its "tracking off" label goes to. */
interface BaselineLabel extends FacetBaseline {
  left: boolean;
}

/** "tracking off" at the right end of its rule, or the left end when marks crowd the right. */
function baselineLabels(
  baselines: readonly FacetBaseline[],
  points: readonly ConfigPoint[],
  xFrac: (x: number) => number,
  yTop: number,
): BaselineLabel[] {
  const near = (p: ConfigPoint, b: number) => Math.abs(p.y - b) < 0.1 * yTop;
  return baselines.map((b) => {
    const inFacet = points.filter((p) =>
      p.pageSizeLabel === b.pageSizeLabel && near(p, b.baseline)
    );
    const rightBusy = inFacet.some((p) => xFrac(p.x) > 0.5);
    const leftBusy = inFacet.some((p) => xFrac(p.x) <= 0.5);
    return { ...b, left: rightBusy && !leftBusy };
  });
}

// --- the frontier figure's marks ---------------------------------------------

/** Each facet's baseline as a dashed rule, labelled "tracking off" at one end. */
function baselineMarks(labels: readonly BaselineLabel[]): Plot.Markish[] {
  return [
    Plot.ruleY(labels, {
      fx: "pageSizeLabel",
      y: "baseline",
      stroke: BASELINE_COLOR,
      strokeDasharray: "4,3",
      className: "baseline",
    }),
    ...[false, true].map((left) =>
      Plot.text(labels.filter((b) => b.left === left), {
        fx: "pageSizeLabel",
        y: "baseline",
        text: () => "tracking off",
        frameAnchor: left ? "left" : "right",
        textAnchor: left ? "start" : "end",
        dy: -7,
        dx: left ? 4 : -4,
        fill: BASELINE_COLOR,
        ...HALO,
        className: "baseline-label",
      })
    ),
  ];
}

/** Each facet's Pareto frontier as a step line. */
function frontierLine(frontier: readonly ConfigPoint[]): Plot.Markish {
  return Plot.line(frontier, {
    fx: "pageSizeLabel",
    x: "x",
    y: "y",
    z: "pageSizeLabel",
    stroke: "#333",
    strokeWidth: 1.2,
    strokeOpacity: 0.7,
    curve: "step-after",
    className: "frontier",
  });
}

/** Min–max rules over the seeds, in x and in y, for configurations run with several. */
function seedRangeMarks(spread: readonly ConfigPoint[]): Plot.Markish[] {
  return [
    Plot.ruleY(spread, {
      fx: "pageSizeLabel",
      y: "y",
      x1: "xMin",
      x2: "xMax",
      stroke: "split",
      strokeOpacity: 0.7,
      className: "seed-range-x",
    }),
    Plot.ruleX(spread, {
      fx: "pageSizeLabel",
      x: "x",
      y1: "yMin",
      y2: "yMax",
      stroke: "split",
      strokeOpacity: 0.7,
      className: "seed-range-y",
    }),
  ];
}

/** One mark per configuration: colour = split, symbol = clear batch, its tooltip as title. */
function configurationDots(
  points: readonly ConfigPoint[],
  title: (p: ConfigPoint) => string,
): Plot.Markish {
  return Plot.dot(points, {
    fx: "pageSizeLabel",
    x: "x",
    y: "y",
    // Hollow, so configurations that land on the same spot (e.g. clear
    // batches that do not change the result) all stay visible.
    stroke: "split",
    fill: "white",
    fillOpacity: 0.4,
    symbol: "clearBatch",
    r: 5,
    strokeWidth: 1.6,
    title,
    className: "configuration",
  });
}

/** A × over each configuration with a run that did not converge. */
function notConvergedDots(
  notConverged: readonly ConfigPoint[],
  title: (p: ConfigPoint) => string,
): Plot.Markish {
  return Plot.dot(notConverged, {
    fx: "pageSizeLabel",
    x: "x",
    y: "y",
    symbol: "times",
    stroke: NOT_CONVERGED_COLOR,
    r: 6,
    strokeWidth: 2,
    title,
    className: "not-converged",
  });
}

/** The count and not-converged labels, one text mark per placement. */
function spotLabelMarks(sets: readonly LabelSet[]): Plot.Markish[] {
  // Text over lines stays readable with a white halo.
  return sets.map(({ options, data }) =>
    Plot.text(data, {
      fx: "pageSizeLabel",
      x: "x",
      y: "y",
      text: "text",
      ...options,
      ...HALO,
      ...(data[0].kind === "count"
        ? { fill: "#555", className: "overlap-count" }
        : { fill: NOT_CONVERGED_COLOR, fontWeight: "bold", className: "not-converged-label" }),
    })
  );
}

// --- the frontier figure's layout: axes, legends, caption --------------------

/** Facets by page size, x bytes on a base-2 log axis, y the guest's cost in percent. */
function frontierAxes(
  xKey: NonNullable<FrontierPlotOptions["x"]>,
  xDomain: number[],
  facetLabels: string[],
  yAxis: YAxis,
): Pick<Plot.PlotOptions, "fx" | "x" | "y"> {
  return {
    // Padding and an x inset keep the tick labels at the facets' shared
    // edges ("16 GiB" | "1 GiB") apart.
    fx: { domain: facetLabels, label: "IO page size", padding: 0.1 },
    x: {
      type: "log",
      // Base 2: d3's log tickFormat blanks labels of ticks that are not
      // round in the base, and these ticks are powers of two or binary units.
      base: 2,
      domain: xDomain,
      inset: 14,
      ticks: byteTicks(xDomain[0], xDomain[1], 4),
      tickFormat: formatBytes,
      label: xKey === "bytesTransferred"
        ? "Migration data transferred →"
        : "Data transferred after round 0 →",
      grid: true,
    },
    y: {
      percent: yAxis.percent,
      zero: true,
      nice: true,
      grid: true,
      label: yAxis.label,
    },
  };
}

/** Split policy, clear batch, lines, and (when some run did not converge) convergence. */
function frontierLegends(
  document: DomDocument,
  enc: FrontierEncoding,
  o: { baselines: boolean; notConverged: boolean; width: number },
): DomNode[] {
  const baselineEntry: LegendEntry[] = o.baselines
    ? [{ label: "miss rate before tracking", kind: "dash", color: BASELINE_COLOR }]
    : [];
  return [
    legendSvg(
      document,
      "Split policy",
      enc.splits.map((s, i) => ({
        label: s,
        kind: "symbol",
        symbol: "circle",
        color: enc.colors[i],
      })),
      o.width,
    ),
    legendSvg(
      document,
      "Clear batch",
      enc.batches.map((b, i) => ({
        label: b,
        kind: "symbol",
        symbol: enc.symbols[i],
        color: "#555",
        hollow: true,
      })),
      o.width,
    ),
    legendSvg(document, "Lines", [
      { label: "Pareto frontier (per page size)", kind: "line", color: "#333" },
      ...baselineEntry,
    ], o.width),
    ...(o.notConverged
      ? [legendSvg(document, "Convergence", [{
        label: "not converged: pre-copy hit maxRounds without meeting the downtime limit",
        kind: "symbol",
        symbol: "times",
        color: NOT_CONVERGED_COLOR,
        hollow: true,
      }], o.width)]
      : []),
  ];
}

/** What the axes measure, how marks aggregate, and how much data went in. */
function frontierCaption(
  points: readonly ConfigPoint[],
  o: {
    xKey: NonNullable<FrontierPlotOptions["x"]>;
    yAxis: YAxis;
    spread: number;
    overlaps: boolean;
    notConverged: number;
    source?: string;
  },
): string {
  const seeds = [...new Set(points.map((p) => p.n))].sort((a, b) => a - b);
  const runs = points.reduce((a, p) => a + p.n, 0);
  const badRuns = points.reduce((a, p) => a + p.nNotConverged, 0);
  const what = o.xKey === "bytesTransferred"
    ? "x: all bytes the migration sent (round 0 + pre-copy rounds + stop-and-copy), log scale"
    : "x: bytes sent after round 0 (pre-copy rounds + stop-and-copy), log scale";
  return captionText([
    `${what}. y: ${o.yAxis.caption}.`,
    `Each mark is one configuration, the mean of ${seeds.join("/")} seed(s)` +
    (o.spread ? "; rules span min–max over seeds." : "."),
    "Lower-left is better; the line joins each page size's non-dominated configurations.",
    o.overlaps ? "“n configs”: n configurations at the same spot, drawn over each other." : "",
    o.notConverged
      ? `×: ${o.notConverged} configuration(s) with runs that did not converge ` +
        `(${badRuns} runs in all); their data sent stops at maxRounds, so it is a lower bound.`
      : "",
    `${points.length} configurations, ${runs} runs.`,
    sourceSentence(o.source),
  ]);
}

/**
 * The headline figure. `rows`: runs in the shape of the store's `runs` table
 * (an Arquero table, plain objects) or SimResults. One mark per configuration
 * (mean over seeds, min–max rules), colour = tracking.split, symbol =
 * tracking.clearBatch, facet = iommu.pageSize, each facet's Pareto frontier as
 * a line, the baseline miss rate dashed. A configuration some of whose runs
 * did not converge (pre-copy hit maxRounds) gets a × over its mark, a "not
 * converged" label and a legend entry; configurations that land on the same
 * spot are labelled with their count. Returns a standalone SVG string.
 */
export function frontierPlot(rows: RowsInput, options: FrontierPlotOptions = {}): string {
  const xKey = options.x ?? "bytesTransferred";
  const yKey = options.y ?? "iotlbMissRate";
  const yAxis: YAxis = Y_AXES[yKey];
  const points = aggregateConfigs(rows, { x: xKey, y: yKey });
  if (points.length === 0) throw new Error("frontierPlot: no successful runs to plot");
  const width = options.width ?? 960;
  const document = newDocument();
  const enc = frontierEncoding(points);
  const frontiers = frontierByPageSize(points);
  const frontier = enc.facets.flatMap((s) => frontiers.get(s) ?? []);
  const baselines = options.baseline === false || !yAxis.baseline
    ? []
    : facetBaselines(points, enc.facets);
  const xDomain = byteLogDomain(points);
  const xFrac = logFraction(xDomain);
  // The y extent from 0 (a slowdown can be slightly below 0: tracking may run
  // faster than a cold warm-up).
  const yTop = Math.max(0, ...points.map((p) => p.yMax), ...baselines.map((b) => b.baseline)) -
    Math.min(0, ...points.map((p) => p.yMin));
  const spread = points.filter((p) => p.n > 1);
  const notConverged = points.filter(notAllConverged);

  // Tooltips name the config columns that vary beyond the three encoded, and
  // the configurations drawn on top of each other (labelled with their count).
  const extra = varyingColumns(points).filter((c) =>
    !["iommu_pageSize", "tracking_split", "tracking_clearBatch"].includes(c)
  );
  const groups = overlapGroups(points, 0.01, 0.005 * yTop);
  const othersOf = new Map<ConfigPoint, ConfigPoint[]>();
  for (const g of groups) for (const p of g) othersOf.set(p, g.filter((o) => o !== p));
  const title = (p: ConfigPoint) => tooltip(p, extra, othersOf.get(p), yAxis);

  const plot = plotSvg(document, {
    width,
    height: options.height ?? 380,
    marginLeft: 64,
    marginRight: 28,
    marginBottom: 44,
    marginTop: 34,
    ...frontierAxes(xKey, xDomain, enc.facetLabels, yAxis),
    color: { domain: enc.splits, range: enc.colors },
    symbol: { domain: enc.batches, range: enc.symbols },
    marks: [
      frameMark(),
      ...baselineMarks(baselineLabels(baselines, points, xFrac, yTop)),
      frontierLine(frontier),
      ...seedRangeMarks(spread),
      configurationDots(points, title),
      notConvergedDots(notConverged, title),
      ...spotLabelMarks(spotLabels(groups, xFrac, yTop)),
    ],
  });
  return composeFigure(document, {
    title: options.title ?? yAxis.title,
    subtitle: options.subtitle ?? yAxis.subtitle,
    legends: frontierLegends(document, enc, {
      baselines: baselines.length > 0,
      notConverged: notConverged.length > 0,
      width: width - 8,
    }),
    plot,
    caption: frontierCaption(points, {
      xKey,
      yAxis,
      spread: spread.length,
      overlaps: groups.some((g) => g.length > 1),
      notConverged: notConverged.length,
      source: options.source,
    }),
  });
}

export interface RoundsPlotOptions {
  title?: string;
  subtitle?: string;
  /** Where the run came from, for the caption. */
  source?: string;
  /** An analytic prediction of bytes sent per round (index = round), drawn as a dashed line. */
  model?: readonly number[];
  /** Label of the model in the legend (default "model"). */
  modelLabel?: string;
  /** Several predictions, each a dashed line of its own colour (after `model`). */
  models?: readonly { label: string; bytes: readonly number[] }[];
  /** Switch-over threshold R × T in bytes, drawn as a dotted rule. */
  thresholdBytes?: number;
  /** Log y scale (default false): geometric decay becomes a straight line. */
  log?: boolean;
  width?: number;
  height?: number;
}

const PHASES = ["round 0 (all memory)", "pre-copy round", "stop-and-copy"];
const PHASE_COLORS = ["#97bbf5", "#4269d0", "#ff725c"];
const MODEL_COLORS = ["#a463f2", "#9c6b4e", "#efb118", "#ff8ab7"];

const phaseOf = (r: RoundRecord) =>
  r.stopAndCopy ? PHASES[2] : r.round === 0 ? PHASES[0] : PHASES[1];

/**
 * One migration's rounds: bytes sent per round as bars (stop-and-copy in its
 * own colour, labelled with its downtime), the dirty bytes each round's read
 * found (sent by the next round) as dots, and optionally a model and the
 * switch-over threshold. `rounds`: RoundRecords, a SimResult, or an Arquero
 * table of the store's `rounds` table for one run. Returns an SVG string.
 */
export function roundsPlot(rounds: RowsInput | SimResult, options: RoundsPlotOptions = {}): string {
  const rs = toRounds(rounds).sort((a, b) => a.round - b.round);
  if (rs.length === 0) throw new Error("roundsPlot: no rounds");
  const document = newDocument();
  const width = options.width ?? 720;
  const lastRound = rs[rs.length - 1].round;
  const series = [
    ...(options.model ? [{ label: options.modelLabel ?? "model", bytes: options.model }] : []),
    ...(options.models ?? []),
  ];
  const model = series.flatMap((m, i) =>
    m.bytes.map((bytes, round) => ({ round, bytes, label: m.label, series: i }))
      .filter((d) => Number.isFinite(d.bytes) && d.bytes > 0 && d.round <= lastRound)
  );
  const log = options.log ?? false;
  const all = [
    ...rs.flatMap((r) => [r.bytesSent, r.dirtyBytes]),
    ...model.map((d) => d.bytes),
    options.thresholdBytes ?? 0,
  ].filter((v) => v > 0);
  const hi = Math.max(...all), lo = Math.min(...all);
  const unit = byteUnit(hi);
  const floor = log ? lo / 2 : 0;
  const bars = rs.map((r) => ({ ...r, phase: phaseOf(r), base: floor }));
  const found = rs.filter((r) => !r.stopAndCopy && r.dirtyBytes > 0);
  const last = rs[rs.length - 1];
  const stop = rs.filter((r) => r.stopAndCopy);
  const threshold = options.thresholdBytes ? [options.thresholdBytes] : [];
  const tip = (r: RoundRecord) =>
    `round ${r.round}${r.stopAndCopy ? " (stop-and-copy)" : ""}\n` +
    `sent ${formatBytes(r.bytesSent)} in ${+r.durationMs.toPrecision(4)} ms\n` +
    (r.stopAndCopy ? "" : `dirty found: ${formatBytes(r.dirtyBytes)}`);

  const plot = plotSvg(document, {
    width,
    height: options.height ?? 320,
    marginLeft: 72,
    marginBottom: 40,
    x: { label: "Round →", type: "band", domain: rs.map((r) => r.round), padding: 0.2 },
    y: {
      type: log ? "log" : "linear",
      base: log ? 2 : undefined, // see frontierPlot's x axis
      domain: log ? [floor, hi * 1.5] : [0, hi * 1.08],
      ticks: log ? byteTicks(floor, hi * 1.5, 6) : byteTicks(0, hi * 1.08, 6, false),
      tickFormat: log ? formatBytes : (v: number) => formatBytesIn(v, unit),
      label: "↑ Bytes",
      grid: true,
    },
    color: { domain: PHASES, range: PHASE_COLORS },
    marks: [
      Plot.barY(bars, {
        x: "round",
        y1: "base",
        y2: "bytesSent",
        fill: "phase",
        title: tip,
        className: "bytes-sent",
      }),
      Plot.dot(found, {
        x: "round",
        y: "dirtyBytes",
        fill: "#333",
        r: 3.5,
        title: (r: RoundRecord) =>
          `dirty bytes found after round ${r.round}: ${formatBytes(r.dirtyBytes)}`,
        className: "dirty-found",
      }),
      ...series.flatMap((m, i) => {
        const color = MODEL_COLORS[i % MODEL_COLORS.length];
        const pts = model.filter((d) => d.series === i);
        return [
          Plot.line(pts, {
            x: "round",
            y: "bytes",
            stroke: color,
            strokeDasharray: "5,3",
            strokeWidth: 1.5,
            className: "model",
          }),
          Plot.dot(pts, {
            x: "round",
            y: "bytes",
            stroke: color,
            r: 3,
            title: (d: { round: number; bytes: number }) =>
              `${m.label}: round ${d.round}: ${formatBytes(d.bytes)}`,
            className: "model-points",
          }),
        ];
      }),
      Plot.ruleY(threshold, { stroke: "#777", strokeDasharray: "1,3", className: "threshold" }),
      Plot.text(stop, {
        x: "round",
        y: "bytesSent",
        text: (r: RoundRecord) => `stop-and-copy\n${+r.durationMs.toPrecision(3)} ms down`,
        dy: -26,
        fill: PHASE_COLORS[2],
        className: "stop-label",
      }),
    ],
  });

  const usedPhases = PHASES.map((p, i) => ({ p, i })).filter(({ p }) =>
    bars.some((b) => b.phase === p)
  );
  const entries: LegendEntry[] = [
    ...usedPhases.map(({ p, i }) => ({
      label: p,
      kind: "swatch" as const,
      color: PHASE_COLORS[i],
    })),
    ...(found.length
      ? [{ label: "dirty found by the round's read", kind: "symbol" as const, color: "#333" }]
      : []),
    ...(series.length
      ? series.map((m, i) => ({
        label: m.label,
        kind: "dash" as const,
        color: MODEL_COLORS[i % MODEL_COLORS.length],
      }))
      : []),
    ...(threshold.length
      ? [{ label: "switch-over threshold R×T", kind: "dash" as const, color: "#777" }]
      : []),
  ];
  const total = rs.reduce((a, r) => a + r.bytesSent, 0);
  const caption = captionText([
    `${rs.length} records; ${formatBytes(total)} sent in all;`,
    last.stopAndCopy
      ? `stop-and-copy of ${formatBytes(last.bytesSent)} (${+last.durationMs.toPrecision(
        3,
      )} ms downtime).`
      : "no stop-and-copy record.",
    log ? "Log y scale." : "",
    sourceSentence(options.source),
  ]);
  return composeFigure(document, {
    title: options.title ?? "Pre-copy rounds: bytes sent per round",
    subtitle: options.subtitle,
    legends: [legendSvg(document, "Legend", entries, width - 8)],
    plot,
    caption,
  });
}
