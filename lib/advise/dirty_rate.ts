// A measured dirty rate, as QEMU's `calc-dirty-rate` reports it, turned into a
// workload. QEMU counts the distinct 4 KiB pages dirtied during `calc-time`
// and prints them as MB/s, which are MiB: dirtyrate = pages × 4 KiB / 1 MiB /
// calc-time (migration/dirtyrate.c, do_calculate_dirtyrate). The workload
// below dirties that many distinct pages in calc-time, in expectation: uniform
// writes over the measured memory, or Zipf-skewed ones. It stands for the
// device's DMA; what QEMU measured is every writer of guest memory.

import { formatBandwidth, formatDuration, formatSize } from "../config/mod.ts";
import { zipfPmf } from "../workload/mod.ts";
import { AdviseError } from "./errors.ts";

export const PAGE_BYTES = 4096;
const MiB = 2 ** 20;

export interface DirtyRate {
  /** Distinct bytes dirtied per second (QEMU's MB/s × 2^20). */
  bytesPerSec: number;
  /** The memory the rate was measured over (QEMU: all guest RAM), bytes. */
  overBytes: number;
  /** QEMU's calc-time, ms: the window the distinct pages were counted in. */
  calcTimeMs: number;
  shape: "uniform" | "zipf";
  /** Zipf skew (shape zipf). */
  s: number;
}

/** The workload config written out (a run-config input). */
export interface DirtyRateWorkloadConfig {
  kind: "uniform" | "zipf";
  rate: number;
  writeFraction: number;
  accessSize: number;
  workingSet: number;
  offset: number;
  s?: number;
  scatter?: boolean;
}

export interface DirtyRateWorkload {
  workload: DirtyRateWorkloadConfig;
  /** Write operations per second (one 4 KiB page each). */
  opsPerSec: number;
  /** One sentence: what the workload is and why. */
  text: string;
}

/** Expected distinct pages after n uniform draws over w pages. */
export function uniformDistinct(w: number, n: number): number {
  return w * -Math.expm1(n * Math.log1p(-1 / w));
}

/** Expected distinct pages after n Zipf(s) draws over w pages. */
export function zipfDistinct(w: number, s: number, n: number): number {
  const p = zipfPmf(w, s);
  let d = 0;
  for (let r = w; r >= 1; r--) d += -Math.expm1(n * Math.log1p(-p(r)));
  return d;
}

/** Draws n such that distinct(n) = target (distinct is increasing in n), by bisection. */
function solveDraws(distinct: (n: number) => number, target: number): number {
  let lo = target, hi = target * 2;
  while (distinct(hi) < target) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) throw new RangeError("solveDraws: no solution");
  }
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (distinct(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The workload that dirties `d.bytesPerSec` distinct bytes a second over `d.overBytes`. */
export function dirtyRateWorkload(d: DirtyRate): DirtyRateWorkload {
  const pages = Math.floor(d.overBytes / PAGE_BYTES);
  const t = d.calcTimeMs / 1000;
  const target = d.bytesPerSec * t / PAGE_BYTES;
  const shown = `${+(d.bytesPerSec / MiB).toPrecision(4)} MB/s (QEMU's MB, = ${
    formatBandwidth(d.bytesPerSec)
  })`;
  if (!(target > 0)) throw new AdviseError(`--dirty-rate: ${shown} must be > 0`);
  if (target >= pages) {
    throw new AdviseError(
      `--dirty-rate: ${shown} over ${formatDuration(d.calcTimeMs)} is ${
        formatSize(Math.round(target * PAGE_BYTES))
      } of distinct pages, not less than the ${formatSize(d.overBytes)} it was measured over`,
    );
  }
  const draws = d.shape === "uniform"
    ? solveDraws((n) => uniformDistinct(pages, n), target)
    : solveDraws((n) => zipfDistinct(pages, d.s, n), target);
  const opsPerSec = draws / t;
  const common = {
    rate: opsPerSec,
    writeFraction: 1,
    accessSize: PAGE_BYTES,
    workingSet: pages * PAGE_BYTES,
    offset: 0,
  };
  const workload: DirtyRateWorkloadConfig = d.shape === "uniform"
    ? { kind: "uniform", ...common }
    : { kind: "zipf", ...common, s: d.s, scatter: true };
  const shape = d.shape === "uniform" ? "uniform" : `Zipf(s = ${d.s}, scattered)`;
  const text = `measured dirty rate ${shown} over ${formatSize(d.overBytes)}, ` +
    `calc-time ${formatDuration(d.calcTimeMs)}: modelled as ${shape} 4 KiB writes over ` +
    `${formatSize(pages * PAGE_BYTES)} at ${fmtRate(opsPerSec)}, which dirty ` +
    `${formatSize(Math.round(target * PAGE_BYTES))} of distinct pages in ` +
    `${formatDuration(d.calcTimeMs)} in expectation (the device's DMA is assumed to be ` +
    "what dirtied them)";
  return { workload, opsPerSec, text };
}

function fmtRate(ops: number): string {
  if (ops >= 1e6) return `${+(ops / 1e6).toPrecision(3)} M writes/s`;
  if (ops >= 1e3) return `${+(ops / 1e3).toPrecision(3)} k writes/s`;
  return `${+ops.toPrecision(3)} writes/s`;
}
