// Which measure of the guest's cost (and of the downtime) the answer uses.
// This engine's results carry the DMA-timing metrics (MODEL §12-13) and a
// downtimeMs that holds the last read; stored results of older engines do not,
// and then the guest's cost is the IOTLB miss rate and the downtime leaves out
// the read. Each choice is made from the rows themselves and said in the output.

import { formatDuration } from "../config/mod.ts";

export type Row = Record<string, unknown>;

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : Number(v));
const ok = (rows: readonly Row[]) =>
  rows.filter((r) => r.status !== "failed" && r.status !== "error");
const has = (rows: readonly Row[], key: string) =>
  ok(rows).length > 0 && ok(rows).every((r) => Number.isFinite(num(r[key])));
/** The smallest finite value of a column over the successful rows (NaN if none). */
const least = (rows: readonly Row[], key: string) => {
  const v = ok(rows).map((r) => num(r[key])).filter(Number.isFinite);
  return v.length ? Math.min(...v) : NaN;
};

/** The guest's cost of a configuration's run, on one scale for every page size. */
export interface GuestCost {
  /** The metric read: "guestDmaSlowdown" or "iotlbMissRate". */
  metric: "guestDmaSlowdown" | "iotlbMissRate";
  /** "DMA slowdown", "IOTLB miss rate". */
  label: string;
  /** A run's cost (a fraction). */
  value(row: Row): number;
  /** The guest without tracking, at its best page size: what the cost is measured from. */
  reference: number;
  /** The tolerance applied, on this metric's scale. */
  limit: number;
  /** How the tolerance was set, in words. */
  limitText: string;
  /** How the metric is measured, in words (for the assumptions). */
  text: string;
}

export interface ToleranceRequest {
  maxSlowdown?: number;
  maxMissRate?: number;
  /** Used when neither is given (5 %). */
  defaultSlowdown: number;
}

const pct = (v: number) => `${+(v * 100).toFixed(2)}%`;

/** Chooses the guest-cost metric the rows support and applies the tolerance to it. */
export function guestCost(rows: readonly Row[], t: ToleranceRequest): GuestCost {
  const reference = least(rows, "iotlbMissRateBaseline");
  const missRate = {
    metric: "iotlbMissRate" as const,
    label: "IOTLB miss rate",
    value: (r: Row) => num(r.iotlbMissRate),
    reference,
  };
  if (t.maxMissRate !== undefined) {
    return {
      ...missRate,
      limit: t.maxMissRate,
      limitText: `IOTLB miss rate <= ${pct(t.maxMissRate)} (--max-miss-rate)`,
      text: "guest cost = IOTLB miss rate while tracking, as asked (--max-miss-rate)",
    };
  }
  const slowdown = t.maxSlowdown ?? t.defaultSlowdown;
  const given = t.maxSlowdown === undefined ? " (default)" : " (--max-slowdown)";
  if (has(rows, "guestDmaSlowdown")) {
    const throughput = has(rows, "dmaThroughput") && has(rows, "dmaThroughputBaseline");
    // Slowdown against the best untracked throughput of any page size, so a
    // page size that is slow with or without tracking is not called free.
    const best = throughput ? Math.max(...ok(rows).map((r) => num(r.dmaThroughputBaseline))) : NaN;
    return {
      metric: "guestDmaSlowdown",
      label: "DMA slowdown",
      value: throughput
        ? (r) => Math.max(0, 1 - num(r.dmaThroughput) / best)
        : (r) => num(r.guestDmaSlowdown),
      reference: 0,
      limit: slowdown,
      limitText: `DMA slowdown <= ${pct(slowdown)}${given}`,
      text: throughput
        ? "guest cost = DMA throughput lost while tracking, against the best untracked " +
          "throughput of any page size (the DMA timing model of MODEL §12)"
        : "guest cost = guestDmaSlowdown, against each page size's own untracked throughput",
    };
  }
  // No slowdown in the results: the slowdown tolerance stands in as points of
  // miss rate over the best baseline. A stand-in, and said so.
  return {
    ...missRate,
    limit: reference + slowdown,
    limitText: `IOTLB miss rate <= ${pct(reference + slowdown)}: the ${pct(slowdown)} ` +
      `slowdown tolerance${given} read as ${pct(slowdown)} points over the ${pct(reference)} ` +
      "baseline (a stand-in: these results have no guestDmaSlowdown)",
    text: "guest cost = IOTLB miss rate while tracking (this engine's results have no " +
      "guestDmaSlowdown yet; a miss costs a page walk, not a known share of throughput)",
  };
}

/** The downtime of a run as the limit judges it. */
export interface Downtime {
  value(row: Row): number;
  text: string;
}

/** The stop-and-copy with the last read's flush, and its walk where the results measure it. */
export function downtime(rows: readonly Row[]): Downtime {
  if (has(rows, "dirtyReadNs")) {
    return {
      // An engine that measures the read puts the last one in downtimeMs
      // itself (the guest is paused from it on): nothing to add.
      value: (r) => num(r.downtimeMs),
      text: "downtime = stop-and-copy at the bandwidth + the last dirty read (its page-table " +
        "walk, MODEL §13) and its flush, with the guest paused",
    };
  }
  return {
    value: (r) => num(r.downtimeMs),
    text: "downtime = the stop-and-copy at the bandwidth plus the last read's flush; the " +
      "dirty-read walk itself is not in these results (no dirtyReadNs)",
  };
}

export const fmtPct = pct;
export const fmtMs = (ms: number) => formatDuration(ms);
