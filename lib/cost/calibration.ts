// Calibration of the DMA timing model (dma.ts) on one published series
// (FACTS.md §8): pcie-bench 64 B random DMA reads over a window of W bytes on
// a Broadwell host (Neugebauer et al., SIGCOMM 2018), with the IOMMU on and
// superpages off, divided by the same host with the IOMMU off. The model's
// IOTLB misses and walk accesses come from the engine itself (createDomain,
// default 64-entry 8-way LRU IOTLB, 4 KiB leaves, no walk cache), run on the
// same access pattern; two parameters are fitted, everything else is assumed
// or predicted. See lib/cost/README.md for the physics and the residuals.

import { domainFromConfig } from "../tracking/mod.ts";
import type { DmaBatch } from "../iommu/mod.ts";
import { Rng } from "../workload/rng.ts";
import { parseConfig } from "../config/mod.ts";
import { dmaTimingSection } from "../config/cost_sections.ts";
import {
  type DmaCounters,
  dmaThroughput,
  dmaThroughputNoIommu,
  type DmaTiming,
  dmaTimingFromConfig,
} from "./dma.ts";

/** One window of the fitted series: measured payload throughput, bytes/s. */
export interface CalibrationRow {
  windowBytes: number;
  iommuBytesPerS: number;
  noIommuBytesPerS: number;
}

/** File name of the extract (see scripts/calibrate_dma.ts --extract). */
export const CALIBRATION_FILE = "pcie-bench-bdw-e5-2630v4-rd-rnd-64-cold.csv";
/** DMA size of the series, bytes. */
export const CALIBRATION_DMA_BYTES = 64;

/** Where the pcie-bench series comes from: repository, commit, the two files. */
export const CALIBRATION_SOURCE = {
  repository: "https://github.com/pcie-bench/data",
  commit: "b2abf2f78ac28837c8ecda200f7d898d779340d3",
  iommu: "nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0-iommu-nosp/" +
    "bw_dma_win_sweep_rd_rnd_64.csv",
  noIommu: "nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0/bw_dma_win_sweep_rd_rnd_64.csv",
} as const;

const GBIT = 1e9 / 8;

/**
 * Rows of one pcie-bench bw_dma_win_sweep CSV with Cache = Cold, as
 * (window bytes, payload bytes/s). The `BW (GB/s)` column is Gbit/s: it
 * equals Bytes × 8 / Time(ns), which is checked row by row.
 */
export function parsePcieBenchCsv(text: string): { windowBytes: number; bytesPerS: number }[] {
  const lines = text.trim().split(/\r?\n/);
  const head = lines[0].split(",");
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`pcie-bench csv: no column "${name}" in ${head.join(",")}`);
    return i;
  };
  const [cache, win, time, bytes, bw] = ["Cache", "WinSZ", "Time", "Bytes", "BW (GB/s)"].map(col);
  const out: { windowBytes: number; bytesPerS: number }[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    if (f[cache] !== "Cold") continue;
    const gbitPerS = Number(f[bw]);
    const check = (Number(f[bytes]) * 8) / Number(f[time]);
    if (Math.abs(check / gbitPerS - 1) > 1e-9) {
      throw new Error(`pcie-bench csv: BW ${gbitPerS} is not Bytes·8/Time = ${check} Gbit/s`);
    }
    out.push({ windowBytes: Number(f[win]), bytesPerS: gbitPerS * GBIT });
  }
  return out;
}

/** Joins the IOMMU and no-IOMMU files on the window size. */
export function joinSeries(iommuCsv: string, noIommuCsv: string): CalibrationRow[] {
  const on = parsePcieBenchCsv(iommuCsv);
  const off = new Map(parsePcieBenchCsv(noIommuCsv).map((r) => [r.windowBytes, r.bytesPerS]));
  return on.map((r) => {
    const o = off.get(r.windowBytes);
    if (o === undefined) throw new Error(`no IOMMU-off row for window ${r.windowBytes}`);
    return { windowBytes: r.windowBytes, iommuBytesPerS: r.bytesPerS, noIommuBytesPerS: o };
  });
}

/** The extract as committed beside the tests: a header of `#` lines, then rows. */
export function formatCalibrationCsv(rows: CalibrationRow[]): string {
  const s = CALIBRATION_SOURCE;
  const head = [
    "# pcie-bench 64 B random DMA reads, Cache = Cold, BW column (Gbit/s) converted to bytes/s.",
    "# Neugebauer et al., Understanding PCIe performance for end host networking, SIGCOMM 2018.",
    `# source: ${s.repository} at ${s.commit}`,
    `# iommu_bytes_per_s: ${s.iommu}`,
    `# no_iommu_bytes_per_s: ${s.noIommu}`,
    "window_bytes,iommu_bytes_per_s,no_iommu_bytes_per_s",
  ];
  return [...head, ...rows.map((r) => `${r.windowBytes},${r.iommuBytesPerS},${r.noIommuBytesPerS}`)]
    .join("\n") + "\n";
}

export function parseCalibrationCsv(text: string): CalibrationRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l && !l.startsWith("#"));
  if (lines[0] !== "window_bytes,iommu_bytes_per_s,no_iommu_bytes_per_s") {
    throw new Error(`calibration csv: unexpected header ${JSON.stringify(lines[0])}`);
  }
  return lines.slice(1).map((l) => {
    const [w, on, off] = l.split(",").map(Number);
    if (![w, on, off].every((x) => Number.isFinite(x) && x > 0)) {
      throw new Error(`calibration csv: bad row ${JSON.stringify(l)}`);
    }
    return { windowBytes: w, iommuBytesPerS: on, noIommuBytesPerS: off };
  });
}

/**
 * The engine's counters for `measured` random reads of `dmaBytes` (aligned
 * to their size) over [0, windowBytes) mapped at 4 KiB, after `warm` reads
 * that fill the IOTLB and set every leaf's Accessed bit. Default IOTLB
 * geometry and no walk cache unless `iommu` says otherwise.
 */
export function engineReadCounters(
  windowBytes: number,
  opts: {
    dmaBytes?: number;
    warm?: number;
    measured?: number;
    seed?: number;
    iotlb?: { entries: number; ways: number };
  } = {},
): DmaCounters {
  const dmaBytes = opts.dmaBytes ?? CALIBRATION_DMA_BYTES;
  const pages = Math.ceil(windowBytes / 4096);
  const warm = opts.warm ?? Math.max(100_000, 20 * pages);
  const measured = opts.measured ?? 400_000;
  const d = domainFromConfig({
    guest: { memory: Math.max(windowBytes, 1 << 30) },
    iommu: { pageSize: 4096, ...(opts.iotlb ? { iotlb: opts.iotlb } : {}) },
  });
  d.map(0, pages * 4096, 4096);
  const rng = Rng.fromSeed(opts.seed ?? 1, "calibration", windowBytes);
  const slots = Math.floor(windowBytes / dmaBytes);
  const B = 4096;
  const batch: DmaBatch = {
    iova: new Float64Array(B),
    length: new Uint32Array(B).fill(dmaBytes),
    write: new Uint8Array(B),
  };
  const run = (n: number) => {
    for (let done = 0; done < n; done += B) {
      const k = Math.min(B, n - done);
      for (let i = 0; i < k; i++) batch.iova[i] = rng.nextBelow(slots) * dmaBytes;
      d.dmaBatch(batch, k);
    }
  };
  run(warm);
  const s0 = d.stats();
  run(measured);
  const s = d.stats();
  return {
    requests: measured,
    payloadBytes: measured * dmaBytes,
    translations: s.translations - s0.translations,
    iotlbMisses: s.iotlbMisses - s0.iotlbMisses,
    walkMemoryAccesses: s.walkMemoryAccesses - s0.walkMemoryAccesses,
  };
}

/** What the fit does not touch: assumed values, or defaults of other knobs. */
export type FixedTiming = Omit<DmaTiming, "baseLatencyNs" | "pageWalkers">;

/** The timing at the config defaults: `dma` section and iommu.costs.memoryAccessNs. */
export function defaultTiming(): DmaTiming {
  return dmaTimingFromConfig(
    dmaTimingSection.parse({}),
    parseConfig({}).iommu.costs.memoryAccessNs,
  );
}

/** The fixed part of the default timing: everything but the two fitted fields. */
export function assumedTiming(): FixedTiming {
  const { baseLatencyNs: _b, pageWalkers: _p, ...fixed } = defaultTiming();
  return fixed;
}

export interface ResidualRow {
  windowBytes: number;
  missRate: number;
  walkAccessesPerRequest: number;
  measuredRatio: number;
  modelRatio: number;
  /** modelRatio / measuredRatio − 1. */
  relativeError: number;
  /** What bounds the modelled IOMMU-on rate. */
  limit: string;
}

export interface DmaFit {
  baseLatencyNs: number;
  pageWalkers: number;
  residuals: ResidualRow[];
}

/** The model's IOMMU-on / IOMMU-off throughput ratio for one window's counters. */
export function modelRatio(t: DmaTiming, c: DmaCounters): number {
  return dmaThroughput(t, c).throughputBytesPerS / dmaThroughputNoIommu(t, c).throughputBytesPerS;
}

/**
 * Fits the two free parameters on the series.
 * - baseLatencyNs from the IOMMU-off level: with no translation the device
 *   is bound by its window, rate = N / base, so base = N·bytes / throughput,
 *   least squares in relative error (u = 1/base: u = Σa/Σa², a = N·bytes/T).
 * - pageWalkers from the IOMMU-on / IOMMU-off ratio: least squares in
 *   relative error, over a log grid then golden-section refinement.
 */
export function fitDmaTiming(
  rows: CalibrationRow[],
  counters: DmaCounters[],
  fixed: FixedTiming,
  dmaBytes = CALIBRATION_DMA_BYTES,
): DmaFit {
  if (rows.length !== counters.length || rows.length === 0) {
    throw new Error("fitDmaTiming: one counters record a row");
  }
  const a = rows.map((r) => (fixed.inFlight * dmaBytes * 1e9) / r.noIommuBytesPerS);
  const u = a.reduce((s, x) => s + x, 0) / a.reduce((s, x) => s + x * x, 0);
  const baseLatencyNs = 1 / u;
  const timing = (p: number): DmaTiming => ({ ...fixed, baseLatencyNs, pageWalkers: p });
  const ratios = rows.map((r) => r.iommuBytesPerS / r.noIommuBytesPerS);
  const cost = (logP: number) => {
    const t = timing(Math.exp(logP));
    let s = 0;
    for (let i = 0; i < rows.length; i++) {
      const e = modelRatio(t, counters[i]) / ratios[i] - 1;
      s += e * e;
    }
    return s;
  };
  // Grid over P in [1e-2, 1e3], then golden section around the best cell.
  const lo = Math.log(1e-2), hi = Math.log(1e3), n = 500;
  let best = lo;
  for (let i = 0; i <= n; i++) {
    const x = lo + ((hi - lo) * i) / n;
    if (cost(x) < cost(best)) best = x;
  }
  let x0 = best - (hi - lo) / n, x1 = best + (hi - lo) / n;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let k = 0; k < 100; k++) {
    const m0 = x1 - g * (x1 - x0), m1 = x0 + g * (x1 - x0);
    if (cost(m0) <= cost(m1)) x1 = m1;
    else x0 = m0;
  }
  const pageWalkers = Math.exp((x0 + x1) / 2);
  return { baseLatencyNs, pageWalkers, residuals: residuals(rows, counters, timing(pageWalkers)) };
}

/** Model against measurement, window by window, for a given timing. */
export function residuals(
  rows: CalibrationRow[],
  counters: DmaCounters[],
  t: DmaTiming,
): ResidualRow[] {
  return rows.map((r, i) => {
    const c = counters[i];
    const measuredRatio = r.iommuBytesPerS / r.noIommuBytesPerS;
    const m = modelRatio(t, c);
    return {
      windowBytes: r.windowBytes,
      missRate: c.iotlbMisses / c.translations,
      walkAccessesPerRequest: c.walkMemoryAccesses / c.requests,
      measuredRatio,
      modelRatio: m,
      relativeError: m / measuredRatio - 1,
      limit: dmaThroughput(t, c).limit,
    };
  });
}

/** Set to the extract's path to use a copy outside the usual places. */
export const CALIBRATION_ENV = "DMA_CALIBRATION_CSV";

/**
 * Where the extract is read from: $DMA_CALIBRATION_CSV, else the team's
 * shared/calibration/ folder beside the clone (as shared/bench/ is for the
 * C reference). Fetched data is kept there rather than in the repository.
 */
export function calibrationCandidates(): string[] {
  const repo = new URL("../../", import.meta.url);
  const env = Deno.env.get(CALIBRATION_ENV);
  return [
    ...(env ? [env] : []),
    new URL(`../shared/calibration/${CALIBRATION_FILE}`, repo).pathname,
  ];
}

/** The first candidate that exists, or null. */
export function findCalibrationData(): string | null {
  for (const p of calibrationCandidates()) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there: try the next
    }
  }
  return null;
}
