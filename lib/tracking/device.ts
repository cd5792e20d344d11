// Device-side dirty tracking, the alternative to IOMMU Dirty bits (MODEL.md §8,
// FACTS.md §3): the device logs its own DMA writes at its page size, into a
// bitmap or a ring of finite capacity, over at most K IOVA ranges (VFIO
// DMA_LOGGING_START takes ≤ 256). Too many ranges are merged across the
// smallest gaps, as mlx5 does, and a full ring over-reports: then every page
// of the tracked ranges counts as dirty. No split and no IOTLB flush.

import type { DirtyReport, Tracker } from "./types.ts";
import type { WriteLog } from "./write_log.ts";

import type { IovaRange } from "../workload/types.ts";

/**
 * Merges sorted, non-overlapping ranges down to at most `maxRanges` by joining
 * neighbours across the smallest gaps first (the mlx5 driver's approach), so
 * untouched gaps become tracked and may be over-reported.
 */
export function mergeRanges(ranges: readonly IovaRange[], maxRanges: number): IovaRange[] {
  if (maxRanges < 1) throw new Error(`maxRanges ${maxRanges} must be >= 1`);
  const out = ranges.map((r) => ({ ...r })).sort((a, b) => a.start - b.start);
  for (let i = 1; i < out.length; i++) {
    if (out[i].start < out[i - 1].end) {
      throw new Error(
        `overlapping ranges [${out[i - 1].start}, ${out[i - 1].end}) and [${out[i].start}, ${
          out[i].end
        }) (VFIO: EINVAL)`,
      );
    }
  }
  while (out.length > maxRanges) {
    let best = 1;
    for (let i = 2; i < out.length; i++) {
      if (out[i].start - out[i - 1].end < out[best].start - out[best - 1].end) best = i;
    }
    out[best - 1].end = out[best].end;
    out.splice(best, 1);
  }
  return out;
}

export interface DeviceTrackerOptions {
  /** The write log the domain marks: made with `{ report: true }`, this reads its since-report plane. */
  log: WriteLog;
  /** The DMA-mapped ranges the VMM asks the device to track. */
  ranges: readonly IovaRange[];
  pageSize: number;
  maxRanges: number;
  kind: "bitmap" | "ring";
  ringEntries: number;
}

/** Statistics a device tracker keeps across reports. */
export interface DeviceTrackerStats {
  overflows: number;
}

export function createDeviceTracker(
  o: DeviceTrackerOptions,
): Tracker & { stats: DeviceTrackerStats } {
  if (o.pageSize < 4096 || (o.pageSize & (o.pageSize - 1)) !== 0) {
    throw new Error(`device page size ${o.pageSize} is not a power of two >= 4096`);
  }
  const tracked = mergeRanges(o.ranges, o.maxRanges);
  const log = o.log;
  const plane = log.sinceReport;
  if (plane === null) {
    throw new Error(
      "createDeviceTracker: the write log has no since-report plane ({ report: true })",
    );
  }
  const pages4k = log.pages;
  const per = o.pageSize / 4096; // 4 KiB pages per device page
  const devPages = Math.ceil(pages4k / per);
  const devDirty = new Uint8Array(devPages);
  const stats = { overflows: 0 };

  function inTracked(page4k: number): boolean {
    const a = page4k * 4096;
    for (const r of tracked) if (a >= r.start && a < r.end) return true;
    return false;
  }

  return {
    mode: "device",
    stats,
    start() {
      log.sync();
      plane.fill(0);
    },
    report(): DirtyReport {
      log.sync();
      devDirty.fill(0);
      let distinct = 0;
      for (let i = 0; i < plane.length; i++) {
        const b = plane[i];
        if (b === 0) continue;
        plane[i] = 0;
        for (let j = 0; j < 8; j++) {
          const p = i * 8 + j;
          if (((b >> j) & 1) === 0 || !inTracked(p)) continue; // the device logs only what it was asked to track
          const d = (p / per) | 0;
          if (devDirty[d] === 0) {
            devDirty[d] = 1;
            distinct++;
          }
        }
      }
      const overflow = o.kind === "ring" && distinct > o.ringEntries;
      if (overflow) stats.overflows++;
      const bitmap = new Uint8Array((pages4k + 7) >> 3);
      let pages = 0;
      for (let d = 0; d < devPages; d++) {
        const first = d * per;
        if (overflow ? !inTracked(first) : devDirty[d] === 0) continue;
        const last = Math.min(first + per, pages4k);
        for (let p = first; p < last; p++) bitmap[p >> 3] |= 1 << (p & 7);
        pages += last - first;
      }
      return { bitmap, dirtyBytes: pages * 4096 };
    },
    stop() {},
  };
}
