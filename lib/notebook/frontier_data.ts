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

/**
 * Groups runs by configuration (every flattened config column except the
 * seed) and returns one point per configuration: mean, min and max of x and y
 * over its seeds. Failed runs and runs without finite x and y are skipped.
 * Sorted by page size, then split, then clear batch.
 */
export function aggregateConfigs(input: RowsInput, options: AggregateOptions = {}): ConfigPoint[] {
  const xKey = options.x ?? "bytesTransferred";
  const yKey = options.y ?? "iotlbMissRate";
  const groups = new Map<string, { config: Row; xs: number[]; ys: number[]; bs: number[] }>();
  for (const row of toRows(input)) {
    if (typeof row.status === "string" && FAILED.has(row.status)) continue;
    const x = Number(row[xKey]), y = Number(row[yKey]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const config: Row = {};
    for (const c of configColumns(row)) config[c] = row[c];
    const key = JSON.stringify(config);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { config, xs: [], ys: [], bs: [] });
    g.xs.push(x);
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

/** Config columns whose value differs between points (shown in tooltips). */
export function varyingColumns(points: readonly ConfigPoint[]): string[] {
  const cols = new Set(points.flatMap((p) => Object.keys(p.config)));
  return [...cols].filter((c) => new Set(points.map((p) => JSON.stringify(p.config[c]))).size > 1)
    .sort();
}
