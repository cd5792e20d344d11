// The data behind the headline figure, apart from its drawing: seeds of one
// configuration aggregated into one point (mean, with min and max), and the
// Pareto frontier of the (migration bytes, miss rate) plane, where lower is
// better on both axes. Pure functions, so the figure's numbers are testable.

import { formatSize } from "../config/mod.ts";
import { configColumns, type Row, type RowsInput, toRows } from "./rows.ts";

/** A column name or an accessor. */
export type Accessor<T> = keyof T | ((d: T) => number);

function get<T>(a: Accessor<T>): (d: T) => number {
  return typeof a === "function" ? a : (d: T) => Number(d[a]);
}

/**
 * The non-dominated points: p is dominated when some q has q.x <= p.x and
 * q.y <= p.y with one of them strict. Equal points do not dominate each other,
 * so duplicates on the frontier are all kept. Points with a non-finite x or y
 * are ignored. Returned sorted by x (then y); O(n log n).
 */
export function paretoFrontier<T>(rows: readonly T[], x: Accessor<T>, y: Accessor<T>): T[] {
  const fx = get(x), fy = get(y);
  const pts = rows
    .map((d) => ({ d, x: fx(d), y: fy(d) }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x || a.y - b.y);
  const out: T[] = [];
  let bestY = Infinity; // lowest y among points of strictly smaller x
  for (let i = 0; i < pts.length;) {
    let j = i;
    while (j < pts.length && pts[j].x === pts[i].x) j++;
    const groupMinY = pts[i].y; // sorted by y within equal x
    if (groupMinY < bestY) {
      for (let k = i; k < j && pts[k].y === groupMinY; k++) out.push(pts[k].d);
      bestY = groupMinY;
    }
    i = j;
  }
  return out;
}

/** One configuration: its seeds aggregated. */
export interface ConfigPoint {
  /** Identifies the configuration (all config columns but the seed). */
  key: string;
  pageSize: number;
  /** "4KiB", "2MiB", "1GiB". */
  pageSizeLabel: string;
  split: string;
  clearBatch: string;
  /** Runs (seeds) aggregated. */
  n: number;
  x: number;
  xMin: number;
  xMax: number;
  y: number;
  yMin: number;
  yMax: number;
  /** Mean baseline miss rate (before tracking), NaN when absent. */
  baseline: number;
  /** Runs whose `converged` column is true (pre-copy met the downtime limit). */
  nConverged: number;
  /** Runs whose `converged` column is false (pre-copy hit maxRounds). */
  nNotConverged: number;
  /**
   * nConverged over the runs that report `converged`: 1 when all converged,
   * 0 when none did (pre-copy hit maxRounds and stopped anyway), NaN when no
   * run reports it.
   */
  convergedFraction: number;
  /** The configuration's config columns and values. */
  config: Row;
}

export interface AggregateOptions {
  /** Metric on x (default "bytesTransferred"). */
  x?: string;
  /** Metric on y (default "iotlbMissRate"). */
  y?: string;
}

const FAILED = new Set(["failed", "error"]);

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** A run's `converged` column as a boolean; undefined when absent or unreadable. */
export function convergedOf(row: Row): boolean | undefined {
  const v = row.converged;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === "string") {
    const t = v.trim().toLowerCase();
    return t === "true" || t === "1" ? true : t === "false" || t === "0" ? false : undefined;
  }
  return undefined;
}

/** True when some run of the configuration did not converge. */
export const notAllConverged = (p: ConfigPoint) => p.convergedFraction < 1;

/**
 * Groups runs by configuration (every flattened config column except the
 * seed) and returns one point per configuration: mean, min and max of x and y
 * over its seeds, and how many of them converged. Failed runs and runs
 * without finite x and y are skipped. Sorted by page size, then split, then clear batch.
 */
export function aggregateConfigs(input: RowsInput, options: AggregateOptions = {}): ConfigPoint[] {
  const xKey = options.x ?? "bytesTransferred";
  const yKey = options.y ?? "iotlbMissRate";
  const groups = new Map<
    string,
    { config: Row; xs: number[]; ys: number[]; bs: number[]; known: number; converged: number }
  >();
  for (const row of toRows(input)) {
    if (typeof row.status === "string" && FAILED.has(row.status)) continue;
    const x = Number(row[xKey]), y = Number(row[yKey]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const config: Row = {};
    for (const c of configColumns(row)) config[c] = row[c];
    const key = JSON.stringify(config);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { config, xs: [], ys: [], bs: [], known: 0, converged: 0 });
    g.xs.push(x);
    const c = convergedOf(row);
    if (c !== undefined) {
      g.known++;
      if (c) g.converged++;
    }
    g.ys.push(y);
    const b = Number(row.iotlbMissRateBaseline);
    if (Number.isFinite(b)) g.bs.push(b);
  }
  const points: ConfigPoint[] = [...groups].map(([key, g]) => {
    const pageSize = Number(g.config.iommu_pageSize);
    return {
      key,
      pageSize,
      pageSizeLabel: Number.isFinite(pageSize) ? formatSize(pageSize) : "?",
      split: String(g.config.tracking_split ?? "?"),
      clearBatch: String(g.config.tracking_clearBatch ?? "?"),
      n: g.xs.length,
      x: mean(g.xs),
      xMin: Math.min(...g.xs),
      xMax: Math.max(...g.xs),
      y: mean(g.ys),
      yMin: Math.min(...g.ys),
      yMax: Math.max(...g.ys),
      baseline: g.bs.length ? mean(g.bs) : NaN,
      nConverged: g.converged,
      nNotConverged: g.known - g.converged,
      convergedFraction: g.known ? g.converged / g.known : NaN,
      config: g.config,
    };
  });
  return points.sort((a, b) =>
    a.pageSize - b.pageSize || orderOf(SPLIT_ORDER, a.split) - orderOf(SPLIT_ORDER, b.split) ||
    clearBatchOrder(a.clearBatch) - clearBatchOrder(b.clearBatch) || (a.key < b.key ? -1 : 1)
  );
}

export const SPLIT_ORDER = ["none", "eager", "lazy"];

function orderOf(order: string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

/** Numeric batches ascending, then "round", then anything else. */
export function clearBatchOrder(v: string): number {
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  return v === "round" ? Number.MAX_SAFE_INTEGER - 1 : Number.MAX_SAFE_INTEGER;
}

/** Sorts values in the figure's legend order. */
export function sortSplits(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) =>
    orderOf(SPLIT_ORDER, a) - orderOf(SPLIT_ORDER, b) || (a < b ? -1 : a > b ? 1 : 0)
  );
}

export function sortClearBatches(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) =>
    clearBatchOrder(a) - clearBatchOrder(b) || (a < b ? -1 : a > b ? 1 : 0)
  );
}

/** The frontier of each page-size facet, by mean x and mean y. */
export function frontierByPageSize(points: readonly ConfigPoint[]): Map<number, ConfigPoint[]> {
  const out = new Map<number, ConfigPoint[]>();
  for (const size of new Set(points.map((p) => p.pageSize))) {
    out.set(size, paretoFrontier(points.filter((p) => p.pageSize === size), "x", "y"));
  }
  return out;
}

/**
 * Configurations drawn on top of each other: groups of points of the same
 * page size whose x agree within `xRel` (relative; x is on a log axis) and
 * whose y agree within `yAbs`. Greedy in x order, so every point of a group
 * is within tolerance of the group's first point. Singletons included; each
 * group keeps the input order (the drawing order: the last one is on top).
 */
export function overlapGroups(
  points: readonly ConfigPoint[],
  xRel = 0.01,
  yAbs = 0.005,
): ConfigPoint[][] {
  const order = new Map(points.map((p, i) => [p, i]));
  const out: ConfigPoint[][] = [];
  for (const size of new Set(points.map((p) => p.pageSize))) {
    const rest = points.filter((p) => p.pageSize === size).sort((a, b) => a.x - b.x || a.y - b.y);
    while (rest.length) {
      const first = rest[0];
      // `first` always joins its own group, whatever the tolerances (a
      // negative one would otherwise leave rest as it is, forever).
      const group = rest.filter((p) =>
        p === first ||
        (Math.abs(p.x - first.x) <= xRel * Math.max(Math.abs(first.x), Math.abs(p.x)) &&
          Math.abs(p.y - first.y) <= yAbs)
      );
      for (const p of group) rest.splice(rest.indexOf(p), 1);
      out.push(group.sort((a, b) => order.get(a)! - order.get(b)!));
    }
  }
  return out;
}

/** Config columns whose value differs between points (shown in tooltips). */
export function varyingColumns(points: readonly ConfigPoint[]): string[] {
  const cols = new Set(points.flatMap((p) => Object.keys(p.config)));
  return [...cols].filter((c) => new Set(points.map((p) => JSON.stringify(p.config[c]))).size > 1)
    .sort();
}
