// Counters are plain records that subtract (per round = end − start), never
// scattered globals (STYLE). pageTableBytes and pageTableBytesPeak are levels,
// not counts: their difference is the growth over the interval.

import type { IommuStats } from "./types.ts";

export const STATS_KEYS: readonly (keyof IommuStats)[] = [
  "translations",
  "iotlbHits",
  "iotlbMisses",
  "walkMemoryAccesses",
  "dirtyBitWrites",
  "invalidations",
  "domainFlushes",
  "invalidationNs",
  "splits",
  "collapses",
  "pageTableBytes",
  "pageTableBytesPeak",
];

/** after − before, key by key. */
export function diffStats(after: IommuStats, before: IommuStats): IommuStats {
  return Object.fromEntries(
    STATS_KEYS.map((k) => [k, after[k] - before[k]]),
  ) as unknown as IommuStats;
}
