// The cache-theory check of notebooks/validation.ipynb: the miss rate an LRU
// IOTLB must show for a uniform random or a cyclic sweep over N contiguous 4
// KiB pages (lruMissTheory), and the figure that sets the engine's measured
// miss rates against it, one facet per IOTLB geometry.

import * as Plot from "@observablehq/plot";
import { captionText, frameMark, percent, plotSvg, sourceSentence } from "./marks.ts";
import { composeFigure, legendSvg, newDocument } from "./svg.ts";

export type AccessPattern = "uniform" | "cyclic";

/** The pages each set of `sets` holds when N contiguous pages map by page mod sets. */
function pagesPerSet(pages: number, sets: number): { n: number; count: number }[] {
  const lo = Math.floor(pages / sets), extra = pages - lo * sets;
  return [{ n: lo + 1, count: extra }, { n: lo, count: sets - extra }].filter((s) => s.count > 0);
}

/**
 * The steady-state miss rate of an LRU cache of `entries` entries in sets of
 * `ways` ways (ways = entries: fully associative) for `pattern` over `pages`
 * contiguous pages.
 *
 * Theory (King, "Analysis of demand paging algorithms", IFIP 1971; the
 * independent reference model): a set-associative LRU cache of S sets of W
 * ways is S independent fully associative caches of W entries. N contiguous
 * pages spread over the sets as evenly as possible (set = page mod S), so set
 * s holds n_s = floor(N/S) or ceil(N/S) pages. Once warm:
 * - uniform random accesses miss in set s with probability max(0, 1 − W/n_s),
 *   so the miss rate is Σ_s max(0, n_s − W) / N, which is 1 − C/N (0 for
 *   N ≤ C) for every N when the sets are filled evenly (C = S·W);
 * - a cyclic sweep misses on every access to a set with n_s > W (each page
 *   was evicted before it came round again) and never on the others, so the
 *   miss rate is Σ_{n_s > W} n_s / N: for a fully associative cache 1 above C
 *   and 0 up to C; for S > 1 sets it climbs from C+1 pages and reaches 1 only
 *   at C + S pages.
 */
export function lruMissTheory(
  pattern: AccessPattern,
  pages: number,
  entries: number,
  ways: number,
): number {
  if (!(Number.isInteger(pages) && pages > 0)) throw new RangeError(`pages ${pages} is not > 0`);
  if (!(Number.isInteger(ways) && ways > 0 && entries % ways === 0)) {
    throw new RangeError(`${entries} entries do not divide into sets of ${ways} ways`);
  }
  const sets = entries / ways;
  let missing = 0;
  for (const { n, count } of pagesPerSet(pages, sets)) {
    if (pattern === "uniform") missing += count * Math.max(0, n - ways);
    else missing += n > ways ? count * n : 0;
  }
  return missing / pages;
}

/** "fully associative, 64 entries" or "8-way, 64 entries (8 sets)". */
export function geometryLabel(entries: number, ways: number): string {
  return ways === entries
    ? `fully associative, ${entries} entries`
    : `${ways}-way, ${entries} entries (${entries / ways} sets)`;
}

/** One measured point: the engine's miss rate for a pattern, a geometry and N pages. */
export interface MissRatePoint {
  pattern: AccessPattern;
  entries: number;
  ways: number;
  /** Working set N, in 4 KiB pages. */
  pages: number;
  /** Measured IOTLB misses / translations after warm-up. */
  missRate: number;
}

export interface MissRatePlotOptions {
  title?: string;
  subtitle?: string;
  /** Where the data came from, for the caption. */
  source?: string;
  /** A sentence on the tolerance the points were checked against, for the caption. */
  tolerance?: string;
  /** Total width in px (default 900). */
  width?: number;
  /** Plot area height in px (default 320). */
  height?: number;
}

const COLORS: Record<AccessPattern, string> = { uniform: "#4269d0", cyclic: "#ff725c" };
const SYMBOLS: Record<AccessPattern, string> = { uniform: "circle", cyclic: "square" };

/**
 * Measured miss rate (marks) against the LRU theory (lines, computed at every
 * N in the range) vs working-set size N on a log₂ axis, one facet per IOTLB
 * geometry, uniform and cyclic sweeps in their own colours, a dotted rule at
 * N = C. Returns a standalone SVG string.
 */
export function missRatePlot(
  points: readonly MissRatePoint[],
  options: MissRatePlotOptions = {},
): string {
  if (points.length === 0) throw new Error("missRatePlot: no points");
  const document = newDocument();
  const width = options.width ?? 900;
  const geometries = [
    ...new Map(points.map((p) => [geometryLabel(p.entries, p.ways), p])).values(),
  ].sort((a, b) => b.ways - a.ways || a.entries - b.entries);
  const facets = geometries.map((g) => geometryLabel(g.entries, g.ways));
  const patterns = (["uniform", "cyclic"] as const).filter((k) =>
    points.some((p) => p.pattern === k)
  );
  const marks = points.map((p) => ({
    ...p,
    geometry: geometryLabel(p.entries, p.ways),
    expected: lruMissTheory(p.pattern, p.pages, p.entries, p.ways),
  }));
  const lo = Math.min(...points.map((p) => p.pages));
  const hi = Math.max(...points.map((p) => p.pages));
  // The theory at every integer N (at most a few thousand points), so steps
  // such as the cyclic sweep's at N = C + 1 are drawn where they are.
  const stride = Math.max(1, Math.floor((hi - lo) / 4000));
  const ns: number[] = [];
  for (let n = lo; n < hi; n += stride) ns.push(n);
  ns.push(hi);
  const theory = geometries.flatMap((g) =>
    patterns.flatMap((pattern) =>
      ns.map((n) => ({
        geometry: geometryLabel(g.entries, g.ways),
        pattern,
        pages: n,
        missRate: lruMissTheory(pattern, n, g.entries, g.ways),
      }))
    )
  );
  const capacity = geometries.map((g) => ({
    geometry: geometryLabel(g.entries, g.ways),
    pages: g.entries,
  }));
  const pct = (v: number) => percent(v, 4);
  const tip = (d: (typeof marks)[number]) =>
    `${d.pattern}, ${d.geometry}\nN = ${d.pages} pages (${+(d.pages / d.entries).toPrecision(
      3,
    )} C)` +
    `\nmeasured ${pct(d.missRate)}, theory ${pct(d.expected)}`;
  const xDomain = [lo / 1.15, hi * 1.15];
  const ticks: number[] = [];
  for (let e = Math.ceil(Math.log2(xDomain[0])); 2 ** e <= xDomain[1]; e++) ticks.push(2 ** e);

  const plot = plotSvg(document, {
    width,
    height: options.height ?? 320,
    marginLeft: 56,
    marginRight: 20,
    marginBottom: 42,
    marginTop: 30,
    fx: { domain: facets, label: null, padding: 0.08 },
    x: {
      type: "log",
      base: 2,
      domain: xDomain,
      ticks,
      tickFormat: (v: number) => String(v),
      label: "Working set N (4 KiB pages, log scale) →",
      grid: true,
    },
    y: {
      domain: [0, 100], // percent: the domain is in percent
      percent: true,
      grid: true,
      label: "↑ IOTLB miss rate (%)",
    },
    color: { domain: patterns, range: patterns.map((k) => COLORS[k]) },
    symbol: { domain: patterns, range: patterns.map((k) => SYMBOLS[k]) },
    marks: [
      frameMark(),
      Plot.ruleX(capacity, {
        fx: "geometry",
        x: "pages",
        stroke: "#777",
        strokeDasharray: "1,3",
        className: "capacity",
      }),
      Plot.text(capacity, {
        fx: "geometry",
        x: "pages",
        text: () => "N = C",
        frameAnchor: "top",
        dy: 4,
        dx: -4,
        textAnchor: "end",
        fill: "#777",
        className: "capacity-label",
      }),
      ...patterns.map((k) =>
        Plot.line(theory.filter((d) => d.pattern === k), {
          fx: "geometry",
          x: "pages",
          y: "missRate",
          stroke: COLORS[k],
          strokeWidth: 1.5,
          strokeOpacity: 0.8,
          strokeDasharray: k === "cyclic" ? "5,3" : undefined,
          className: `theory theory-${k}`,
        })
      ),
      Plot.dot(marks, {
        fx: "geometry",
        x: "pages",
        y: "missRate",
        stroke: "pattern",
        symbol: "pattern",
        fill: "white",
        r: 4.5,
        strokeWidth: 1.6,
        title: tip,
        className: "measured",
      }),
    ],
  });

  const legend = legendSvg(document, "Legend", [
    ...patterns.map((k) => ({
      label: `${k} sweep, engine`,
      kind: "symbol" as const,
      symbol: SYMBOLS[k],
      color: COLORS[k],
      hollow: true,
    })),
    ...patterns.map((k) => ({
      label: k === "uniform"
        ? "theory, uniform: 1 − C/N (0 up to C)"
        : "theory, cyclic: sets holding more than W pages miss always",
      kind: k === "cyclic" ? "dash" as const : "line" as const,
      color: COLORS[k],
    })),
  ], width - 8);
  const n = new Set(points.map((p) => p.pages)).size;
  const caption = captionText([
    `Each mark is the engine's IOTLB misses / translations after a warm-up, for ${n} working ` +
    `sizes N of contiguous 4 KiB pages; lines are LRU theory at every N.`,
    options.tolerance ?? "",
    sourceSentence(options.source),
  ]);
  return composeFigure(document, {
    title: options.title ?? "IOTLB miss rate vs working-set size: engine against cache theory",
    subtitle: options.subtitle,
    legends: [legend],
    plot,
    caption,
  });
}
