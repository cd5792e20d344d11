// Counters are plain records that subtract (per round = end − start), never
// scattered globals (STYLE). Most fields are counts; pageTableBytes and
// pageTableBytesPeak are levels, so the difference over an interval takes
// them from its later sample (what the table held, and its highest, then).

import type { IommuStats } from "./types.ts";

/** What each field is: the compiler keeps this in step with IommuStats. */
const STATS_FIELDS: Readonly<Record<keyof IommuStats, "count" | "level">> = {
  translations: "count",
  iotlbHits: "count",
  iotlbMisses: "count",
  walkMemoryAccesses: "count",
  dirtyBitWrites: "count",
  invalidations: "count",
  domainFlushes: "count",
  invalidationNs: "count",
  splits: "count",
  collapses: "count",
  pageTableBytes: "level",
  pageTableBytesPeak: "level",
  dirtyReads: "count",
  dirtyReadEntries: "count",
  dirtyReadDirtyLeaves: "count",
  dirtyReadWindows: "count",
};

export const STATS_KEYS = Object.keys(STATS_FIELDS) as readonly (keyof IommuStats)[];

/** The interval from `before` to `after`: counts subtract, levels are `after`'s. */
export function diffStats(after: IommuStats, before: IommuStats): IommuStats {
  const out = { ...after };
  for (const k of STATS_KEYS) if (STATS_FIELDS[k] === "count") out[k] = after[k] - before[k];
  return out;
}
