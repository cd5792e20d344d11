// The analysis notebooks' figures (03 to 05): a heatmap of which policy wins
// where and by how much (Plot's cell mark), lines of a metric against a knob
// or a round, and grouped bars. Each is drawn with Observable Plot into
// linkedom and composed with a title, legends and a caption that carries the
// data's provenance (provenance.ts) into one standalone SVG string, like
// frontierPlot. Axes say their units; the left margin is sized to the longest
// tick label, so no label is cut.

import * as Plot from "@observablehq/plot";
import { ticks as d3Ticks } from "d3-array";
import {
  captionText,
  colorsFor,
  formatMs,
  frameMark,
  HALO,
  PALETTE,
  plotSvg,
  POLICY_COLORS,
  sourceSentence,
  SYMBOLS,
} from "./marks.ts";
import { type Row, type RowsInput, toRows } from "./rows.ts";
import {
  byteTicks,
  composeFigure,
  type DomDocument,
  type DomNode,
  formatBytes,
  type LegendEntry,
  legendSvg,
  newDocument,
  textWidth,
} from "./svg.ts";

/** How a value is written on an axis, in a cell or a tooltip. */
export type ValueFormat =
  | "bytes"
  | "percent"
  | "ms"
  | "count"
  | "ratio"
  | "number"
  | ((v: number) => string);

const sig = (v: number, digits = 3) => String(+v.toPrecision(digits));

/** A number written in `format`: "1.5 GiB", "12.3%", "250 µs", "1.2 M", "3.05×". */
export function formatValue(v: unknown, format: ValueFormat = "number"): string {
  if (typeof v !== "number") return v === null || v === undefined ? "" : String(v);
  if (!Number.isFinite(v)) return String(v);
  if (typeof format === "function") return format(v);
  switch (format) {
    case "bytes":
      return formatBytes(v);
    case "percent":
      return `${sig(v * 100)}%`;
    case "ms":
      return formatMs(v);
    case "count": {
      const a = Math.abs(v);
      if (a >= 1e9) return `${sig(v / 1e9)} G`;
      if (a >= 1e6) return `${sig(v / 1e6)} M`;
      if (a >= 1e4) return `${sig(v / 1e3)} k`;
      return String(Math.round(v * 100) / 100);
    }
    case "ratio":
      return `${sig(v)}×`;
    default:
      return sig(v, 4);
  }
}

/** A column of the rows: a field name or a function of the row. */
export type Field = string | ((row: Row) => unknown);
const get = (f: Field) => (r: Row) => typeof f === "function" ? f(r) : r[f];

/** A categorical channel: which column, its name, and the order of its values. */
export interface CategoryChannel {
  field: Field;
  label: string;
  /** Values in order (default: first-seen order; numbers ascending). */
  order?: readonly unknown[];
  /** How a value is written (default String(v)). */
  format?: (v: unknown) => string;
  /** Colour per value (as text); default POLICY_COLORS, then PALETTE. */
  colors?: Readonly<Record<string, string>>;
}

/** A quantitative channel. */
export interface ValueChannel {
  field: Field;
  label: string;
  format?: ValueFormat;
  /** Log scale (base 2 for bytes and counts of pages; default false). */
  log?: boolean;
  /** Include zero in a linear domain (default true). */
  zero?: boolean;
  domain?: [number, number];
  ticks?: readonly number[];
}

export interface FigureOptions {
  title: string;
  subtitle?: string;
  /** Provenance (sweepSource / simSource); the caption ends "Data: source.". */
  source?: string;
  /** Sentences for the caption before the provenance (what a mark is, what is averaged). */
  note?: string;
  /** Total width in px (default 900). */
  width?: number;
  /** Plot area height in px. */
  height?: number;
}

/** Horizontal reference lines, each a legend entry. */
export type ReferenceLines = readonly { y: number; label: string }[];

function orderOf(rows: Row[], c: CategoryChannel): unknown[] {
  const seen = [...new Set(rows.map(get(c.field)))];
  if (!c.order) {
    return seen.every((v) => typeof v === "number")
      ? (seen as number[]).sort((a, b) => a - b)
      : seen;
  }
  const extra = seen.filter((v) => !c.order!.includes(v));
  return [...c.order.filter((v) => seen.includes(v)), ...extra];
}

const label = (c: CategoryChannel) => (v: unknown) => c.format ? c.format(v) : String(v);

function colorsOf(values: unknown[], c: CategoryChannel): string[] {
  return colorsFor(values.map(label(c)), { ...POLICY_COLORS, ...c.colors }, PALETTE);
}

/** The left margin that fits the widest of `labels` (tick labels) and a gap. */
function marginFor(labels: string[], min = 48): number {
  return Math.max(min, Math.ceil(Math.max(0, ...labels.map((l) => textWidth(l))) + 18));
}

/** The figure around a plot: title, subtitle, legends, and the note and the source as caption. */
function figure(
  document: DomDocument,
  o: FigureOptions,
  legends: DomNode[],
  plot: DomNode,
): string {
  return composeFigure(document, {
    title: o.title,
    subtitle: o.subtitle,
    legends,
    plot,
    caption: captionText([o.note ?? "", sourceSentence(o.source)]),
  });
}

/** The legend row of the horizontal reference lines; none without any. */
function rulesLegend(
  document: DomDocument,
  rules: ReferenceLines | undefined,
  color: string,
  width: number,
): DomNode[] {
  const entries = (rules ?? []).map((r): LegendEntry => ({ label: r.label, kind: "dash", color }));
  return entries.length ? [legendSvg(document, "Lines", entries, width)] : [];
}

function valueScale(
  c: ValueChannel,
  values: number[],
): { options: Record<string, unknown>; tickLabels: string[] } {
  const format = c.format ?? "number";
  const fmt = (v: number) => formatValue(v, format);
  const finite = values.filter((v) => Number.isFinite(v) && (!c.log || v > 0));
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (!finite.length) lo = hi = 1;
  if (c.log) {
    if (lo === hi) [lo, hi] = [lo / 2, hi * 2];
    const domain = c.domain ?? [lo / 1.25, hi * 1.25];
    const ticks = c.ticks
      ? [...c.ticks]
      : format === "bytes"
      ? byteTicks(domain[0], domain[1], 6)
      : powerTicks(domain[0], domain[1]);
    return {
      options: { type: "log", base: 2, domain, ticks, tickFormat: fmt },
      tickLabels: ticks.map(fmt),
    };
  }
  const zero = c.zero ?? true;
  if (zero) lo = Math.min(0, lo), hi = Math.max(0, hi);
  if (lo === hi) hi = lo + 1;
  const domain = c.domain ?? [lo, hi + (hi - lo) * 0.06];
  const ticks = c.ticks
    ? [...c.ticks]
    : format === "bytes"
    ? byteTicks(domain[0], domain[1], 5, false)
    : d3Ticks(domain[0], domain[1], 5); // what Plot draws (d3's), handed to it: the margin fits them
  return {
    options: { type: "linear", domain, ticks, tickFormat: fmt },
    tickLabels: ticks.map(fmt),
  };
}

/** Powers of two (or of ten past a wide range) inside [lo, hi], for a log axis. */
function powerTicks(lo: number, hi: number): number[] {
  const base = hi / lo > 2 ** 12 ? 10 : 2;
  const out: number[] = [];
  const log = (v: number) => Math.log(v) / Math.log(base);
  for (let e = Math.ceil(log(lo) - 1e-9); base ** e <= hi * (1 + 1e-9); e++) out.push(base ** e);
  if (out.length > 8) return out.filter((_, i) => i % Math.ceil(out.length / 8) === 0);
  return out.length ? out : [lo, hi];
}

/** Facets named in their own labels ("IO page size: 2 MiB"), so no axis label collides with the y label. */
function facetScale(domain: string[], name: string, padding: number) {
  return { domain, label: null, padding, tickFormat: (v: string) => `${name}: ${v}` };
}

/** Black or white, whichever reads better on `color` (a #rrggbb or rgb() colour). */
export function contrastText(color: string): string {
  let rgb: number[] | null = null;
  const hex = color.match(/^#([0-9a-f]{6})$/i);
  if (hex) rgb = [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16));
  const fn = color.match(/^rgb\((\d+),\s*(\d+),\s*(\d+)/);
  if (fn) rgb = fn.slice(1, 4).map(Number);
  if (!rgb) return "#111";
  const [r, g, b] = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.2 ? "#111" : "white";
}

// --- heatmap -----------------------------------------------------------------

export interface HeatmapOptions extends FigureOptions {
  x: CategoryChannel;
  y: CategoryChannel;
  /** Facets side by side (e.g. IO page size). */
  facet?: CategoryChannel;
  /** A categorical fill (which policy wins) ... */
  fill?: CategoryChannel;
  /** ... or a quantitative one (a gap), with a sequential colour ramp on a linear scale. */
  value?: Omit<ValueChannel, "log" | "ticks">;
  /** The text in each cell (default: the fill's label or the formatted value). */
  text?: (row: Row) => string;
}

/**
 * A grid of cells (Plot's cell mark): x and y are categories, the fill a
 * category (a legend of swatches) or a value (a colour ramp), each cell
 * labelled. Returns a standalone SVG string.
 */
export function heatmapPlot(input: RowsInput, o: HeatmapOptions): string {
  const rows = toRows(input);
  if (rows.length === 0) throw new Error("heatmapPlot: no rows");
  if (!o.fill === !o.value) throw new Error("heatmapPlot: give exactly one of fill and value");
  const document = newDocument();
  const width = o.width ?? 900;
  const xs = orderOf(rows, o.x), ys = orderOf(rows, o.y);
  const fxs = o.facet ? orderOf(rows, o.facet) : [];
  const xl = label(o.x), yl = label(o.y), fl = o.facet ? label(o.facet) : () => "";
  const data = rows.map((r) => ({
    ...r,
    __x: xl(get(o.x.field)(r)),
    __y: yl(get(o.y.field)(r)),
    __fx: o.facet ? fl(get(o.facet.field)(r)) : undefined,
  }));
  const legends: DomNode[] = [];
  let color: Record<string, unknown>;
  let fill: (r: Row) => unknown;
  /** The colour a row's cell is painted, for choosing a legible text colour. */
  let painted: (r: Row) => string;
  let text: (r: Row) => string;
  if (o.fill) {
    const values = orderOf(rows, o.fill);
    const names = values.map(label(o.fill));
    const colors = colorsOf(values, o.fill);
    color = { type: "ordinal", domain: names, range: colors };
    fill = (r) => label(o.fill!)(get(o.fill!.field)(r));
    painted = (r) => colors[names.indexOf(String(fill(r)))] ?? "#fff";
    text = o.text ?? ((r) => String(fill(r)));
    legends.push(
      legendSvg(
        document,
        o.fill.label,
        names.map((n, i) => ({ label: n, kind: "swatch", color: colors[i] })),
        width - 8,
      ),
    );
  } else {
    const v = o.value!;
    const vals = rows.map((r) => Number(get(v.field)(r))).filter(Number.isFinite);
    const fmt = (x: number) => formatValue(x, v.format);
    const lo = Math.min(...vals), hi = Math.max(...vals);
    const [d0, d1] = v.domain ?? [v.zero === false ? lo : Math.min(0, lo), hi === lo ? hi + 1 : hi];
    color = { type: "linear", scheme: "blues", domain: [d0, d1] };
    fill = (r) => Number(get(v.field)(r));
    text = o.text ?? ((r) => fmt(Number(get(v.field)(r))));
    // Plot's ramp legend paints a canvas, which linkedom lacks: the legend
    // is swatches of the same scale at five values instead.
    const scale = Plot.scale({ color: color as Plot.ScaleOptions }) as unknown as {
      apply(v: number): string;
    };
    const steps = [0, 0.25, 0.5, 0.75, 1].map((t) => d0 + (d1 - d0) * t);
    painted = (r) => scale.apply(Number(fill(r)));
    legends.push(
      legendSvg(
        document,
        v.label,
        steps.map((x) => ({ label: fmt(x), kind: "swatch", color: scale.apply(x) })),
        width - 8,
      ),
    );
  }
  const cellH = 40;
  const height = o.height ?? Math.max(120, ys.length * cellH + 70);
  const marginLeft = marginFor(ys.map((y) => yl(y)), 56);
  const cellWidth = (width - marginLeft - 12) / (xs.length * Math.max(1, fxs.length)) * 0.92;
  const plot = plotSvg(document, {
    width,
    height,
    marginLeft,
    marginRight: 12,
    marginTop: o.facet ? 40 : 26,
    marginBottom: 44,
    ...(o.facet ? { fx: facetScale(fxs.map(fl), o.facet.label, 0.06) } : {}),
    x: { type: "band", domain: xs.map(xl), label: `${o.x.label} →`, padding: 0.04 },
    y: {
      type: "band",
      domain: ys.map(yl),
      label: `↑ ${o.y.label}`,
      labelAnchor: "top",
      padding: 0.06,
    },
    color,
    marks: [
      Plot.cell(data, {
        x: "__x",
        y: "__y",
        ...(o.facet ? { fx: "__fx" } : {}),
        fill,
        inset: 0.5,
        title: text,
        className: "heat-cell",
      }),
      Plot.text(data, {
        x: "__x",
        y: "__y",
        ...(o.facet ? { fx: "__fx" } : {}),
        text,
        fill: (r: Row) => contrastText(painted(r)),
        // Wrap at the cell's width (Plot measures lineWidth in ems).
        lineWidth: Math.max(4, (cellWidth - 8) / 11),
        className: "heat-label",
      }),
    ],
  });
  return figure(document, o, legends, plot);
}

// --- lines -------------------------------------------------------------------

export interface LinePlotOptions extends FigureOptions {
  /** x: quantitative (numbers) or, with `categories`, ordered categories. */
  x: ValueChannel & { categories?: readonly unknown[] };
  y: ValueChannel;
  /** One line per value (colour and symbol). */
  series?: CategoryChannel & { dashed?: readonly string[] };
  /** Facets side by side. */
  facet?: CategoryChannel;
  /** Horizontal reference lines, each a legend entry. */
  rules?: ReferenceLines;
  /** A label beside each point (e.g. the knob's value along a trajectory). */
  pointLabel?: (row: Row) => string;
  /** Connect points in the order of this field instead of x (a trajectory on a plane). */
  pathOrder?: Field;
}

/**
 * One line with dots per series, against a quantitative or categorical x,
 * optionally faceted. Returns a standalone SVG string.
 */
export function linePlot(input: RowsInput, o: LinePlotOptions): string {
  const rows = toRows(input);
  if (rows.length === 0) throw new Error("linePlot: no rows");
  const document = newDocument();
  const width = o.width ?? 900;
  const sl = o.series ? label(o.series) : () => "";
  const fl = o.facet ? label(o.facet) : () => "";
  const seriesValues = o.series ? orderOf(rows, o.series) : [""];
  const names = seriesValues.map((v) => o.series ? sl(v) : "");
  const colors = o.series ? colorsOf(seriesValues, o.series) : ["#4269d0"];
  const cat = o.x.categories;
  const data = rows.map((r) => ({
    __x: cat ? String(get(o.x.field)(r)) : Number(get(o.x.field)(r)),
    __y: Number(get(o.y.field)(r)),
    __s: o.series ? sl(get(o.series.field)(r)) : "",
    __fx: o.facet ? fl(get(o.facet.field)(r)) : undefined,
    __row: r,
    __label: o.pointLabel ? o.pointLabel(r) : "",
  })).filter((d) => Number.isFinite(d.__y) && (!o.y.log || d.__y > 0));
  // Lines run in x order (or pathOrder) within a series and facet.
  const xIndex = (x: unknown) => cat ? cat.map(String).indexOf(x as string) : (x as number);
  const order = o.pathOrder
    ? (d: (typeof data)[number]) => Number(get(o.pathOrder!)(d.__row))
    : (d: (typeof data)[number]) => xIndex(d.__x);
  data.sort((a, b) => order(a) - order(b));
  const yScale = valueScale(o.y, [...data.map((d) => d.__y), ...(o.rules ?? []).map((r) => r.y)]);
  const xScale = cat
    ? { options: { type: "point", domain: cat.map(String), padding: 0.3 }, tickLabels: [] }
    : valueScale({ zero: false, ...o.x }, data.map((d) => d.__x as number));
  const facets = o.facet ? orderOf(rows, o.facet).map(fl) : [];
  // Where a point sits across its facet (0 left, 1 right), for placing labels.
  const nearRight = (d: (typeof data)[number]) => {
    if (cat) return cat.map(String).indexOf(d.__x as string) >= cat.length - 1 && cat.length > 1;
    const [a, b] = xScale.options.domain as [number, number];
    const x = d.__x as number;
    const f = o.x.log ? Math.log(x / a) / Math.log(b / a) : (x - a) / (b - a);
    return f > 0.78;
  };
  const fmtY = (v: number) => formatValue(v, o.y.format);
  const fmtX = (v: unknown) => typeof v === "number" ? formatValue(v, o.x.format) : String(v);
  const tip = (d: (typeof data)[number]) =>
    [d.__s, d.__fx, `${o.x.label}: ${fmtX(d.__x)}`, `${o.y.label}: ${fmtY(d.__y)}`]
      .filter(Boolean).join("\n");
  const dashed = new Set(o.series?.dashed ?? []);
  const fx = o.facet ? { fx: "__fx" } : {};
  const plot = plotSvg(document, {
    width,
    height: o.height ?? 320,
    marginLeft: marginFor(yScale.tickLabels),
    marginRight: 24,
    marginTop: o.facet ? 36 : 26,
    marginBottom: 44,
    ...(o.facet ? { fx: facetScale(facets, o.facet.label, 0.1) } : {}),
    x: {
      ...xScale.options,
      label: `${o.x.label} →`,
      labelAnchor: "center",
      grid: true,
      inset: 10,
    },
    y: { ...yScale.options, label: `↑ ${o.y.label}`, grid: true },
    color: { type: "ordinal", domain: names, range: colors },
    symbol: {
      type: "ordinal",
      domain: names,
      range: names.map((_, i) => SYMBOLS[i % SYMBOLS.length]),
    },
    marks: [
      frameMark(),
      ...(o.rules ?? []).map((r) =>
        Plot.ruleY([r], { y: "y", stroke: "#777", strokeDasharray: "4,3", className: "rule" })
      ),
      ...names.map((n, i) =>
        Plot.line(data.filter((d) => d.__s === n), {
          x: "__x",
          y: "__y",
          ...fx,
          stroke: colors[i],
          strokeWidth: 1.8,
          strokeDasharray: dashed.has(n) ? "5,3" : undefined,
          className: "series-line",
        })
      ),
      Plot.dot(data, {
        x: "__x",
        y: "__y",
        ...fx,
        stroke: "__s",
        symbol: "__s",
        fill: "white",
        r: 3.8,
        strokeWidth: 1.6,
        title: tip,
        className: "series-point",
      }),
      // Point labels: above the points of the first series, below those of
      // the second, and so on, so series meeting at one spot stay legible.
      ...(o.pointLabel
        ? names.flatMap((n, i) =>
          // Labels of points near the right edge end at their point, so they stay inside.
          [false, true].map((right) =>
            Plot.text(data.filter((d) => d.__s === n && nearRight(d) === right), {
              x: "__x",
              y: "__y",
              ...fx,
              text: "__label",
              textAnchor: right ? "end" : "start",
              dx: right ? -7 : 7,
              dy: [-9, 12, -22, 25][i % 4],
              fill: colors[i],
              ...HALO,
              className: "point-label",
            })
          )
        )
        : []),
    ],
  });
  const legends = [
    ...(o.series
      ? [legendSvg(
        document,
        o.series.label,
        names.map((n, i): LegendEntry => ({
          label: n,
          kind: dashed.has(n) ? "dash" : "symbol",
          symbol: SYMBOLS[i % SYMBOLS.length],
          color: colors[i],
          hollow: !dashed.has(n),
        })),
        width - 8,
      )]
      : []),
    ...rulesLegend(document, o.rules, "#777", width - 8),
  ];
  return figure(document, o, legends, plot);
}

// --- bars --------------------------------------------------------------------

export interface BarPlotOptions extends FigureOptions {
  /** The categories along x (groups of bars). */
  x: CategoryChannel;
  y: ValueChannel;
  /** Bars side by side within each x category, one colour per value. */
  group?: CategoryChannel;
  /** Horizontal reference lines, each a legend entry. */
  rules?: ReferenceLines;
  /** Where bars start on a log scale (default the axis floor). */
  base?: number;
  /** A bar's label (default its formatted value), e.g. "≥ 318×" for a lower bound. */
  labelText?: (row: Row, formatted: string) => string;
}

/**
 * Bars of a value per category, grouped side by side by a second category
 * (colours, with a legend), each labelled with its value. Returns a
 * standalone SVG string.
 */
export function barPlot(input: RowsInput, o: BarPlotOptions): string {
  const rows = toRows(input);
  if (rows.length === 0) throw new Error("barPlot: no rows");
  const document = newDocument();
  const width = o.width ?? 900;
  const xl = label(o.x);
  const gl = o.group ? label(o.group) : () => "";
  const xs = orderOf(rows, o.x).map(xl);
  const groupValues = o.group ? orderOf(rows, o.group) : [""];
  const groups = groupValues.map((g) => o.group ? gl(g) : "");
  const colors = o.group ? colorsOf(groupValues, o.group) : ["#4269d0"];
  const data = rows.map((r) => ({
    __x: xl(get(o.x.field)(r)),
    __g: o.group ? gl(get(o.group.field)(r)) : "",
    __y: Number(get(o.y.field)(r)),
    __row: r,
  })).filter((d) => Number.isFinite(d.__y) && (!o.y.log || d.__y > 0));
  const yScale = valueScale(o.y, [...data.map((d) => d.__y), ...(o.rules ?? []).map((r) => r.y)]);
  if (o.y.log) {
    // Bars on a log scale start at `base` (e.g. 1× for a ratio) or the floor.
    const d = yScale.options.domain as [number, number];
    for (const b of data) (b as Record<string, unknown>).__base = o.base ?? d[0];
  }
  const fmt = (v: number) => formatValue(v, o.y.format);
  const grouped = Boolean(o.group);
  const barText = (d: (typeof data)[number]) =>
    o.labelText ? o.labelText(d.__row, fmt(d.__y)) : fmt(d.__y);
  const barWidth = (width - 80) / Math.max(1, xs.length * groups.length) * 0.8;
  const widest = Math.max(0, ...data.map((d) => textWidth(barText(d))));
  const upright = widest + 4 > barWidth;
  const plot = plotSvg(document, {
    width,
    height: o.height ?? 320,
    marginLeft: marginFor(yScale.tickLabels),
    marginRight: 16,
    marginTop: upright ? 20 + widest : 28,
    marginBottom: grouped ? 48 : 44,
    ...(grouped
      ? {
        fx: { domain: xs, label: `${o.x.label} →`, padding: 0.12, axis: "bottom" },
        x: { domain: groups, axis: null, padding: 0.08 },
      }
      : { x: { domain: xs, label: `${o.x.label} →`, padding: 0.25 } }),
    y: { ...yScale.options, label: `↑ ${o.y.label}`, grid: true },
    color: { type: "ordinal", domain: groups, range: colors },
    marks: [
      Plot.barY(data, {
        ...(grouped ? { fx: "__x", x: "__g" } : { x: "__x" }),
        ...(o.y.log ? { y1: "__base", y2: "__y" } : { y: "__y" }),
        fill: grouped ? "__g" : colors[0],
        title: (d: (typeof data)[number]) =>
          [d.__x, d.__g, `${o.y.label}: ${fmt(d.__y)}`].filter(Boolean).join("\n"),
        className: "bar",
      }),
      ...(o.rules ?? []).map((r) =>
        Plot.ruleY([r], { y: "y", stroke: "#333", strokeDasharray: "4,3", className: "rule" })
      ),
      Plot.text(data, {
        ...(grouped ? { fx: "__x", x: "__g" } : { x: "__x" }),
        y: "__y",
        text: barText,
        // Labels wider than their bar stand upright above it.
        ...(upright ? { rotate: -90, textAnchor: "start", dy: 0, dx: 0 } : { dy: -7 }),
        fill: "#333",
        ...HALO,
        className: "bar-label",
      }),
    ],
  });
  const legends = [
    ...(o.group
      ? [legendSvg(
        document,
        o.group.label,
        groups.map((g, i) => ({ label: g, kind: "swatch" as const, color: colors[i] })),
        width - 8,
      )]
      : []),
    ...rulesLegend(document, o.rules, "#333", width - 8),
  ];
  return figure(document, o, legends, plot);
}
