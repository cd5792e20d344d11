// What a simulation returns: the effective config, every metric of MODEL.md's
// table under its name, and the per-round series (round 0 first; the
// stop-and-copy is the last record, with stopAndCopy: true).

import type { RunConfig } from "../config/mod.ts";

/** The release name; run keys use engineVersion() (version.ts), which adds a hash of the sources. */
export const ENGINE_VERSION = "0.1.0";

export interface Summary {
  /** IOTLB misses / translations while tracking is on (the guest's cost). */
  iotlbMissRate: number;
  /** The same before tracking starts, same workload (warm-up). */
  iotlbMissRateBaseline: number;
  /** All bytes sent: round 0, later rounds, stop-and-copy. */
  bytesTransferred: number;
  /** Bytes sent after round 0. */
  dirtyBytesTransferred: number;
  rounds: number;
  converged: boolean;
  downtimeMs: number;
  migrationMs: number;
  invalidations: number;
  domainFlushes: number;
  invalidationNs: number;
  splits: number;
  collapses: number;
  pageTableBytesPeak: number;
  walkMemoryAccesses: number;
  translations: number;
  iotlbMisses: number;
  lostWrites: number;
  /** The device's payload bytes/s while tracking is on (MODEL.md §12; 0 without requests). */
  dmaThroughput: number;
  /** The same workload's during the warm-up, before tracking starts. */
  dmaThroughputBaseline: number;
  /** The tracked phase's requests with no translation cost and no walker at all. */
  dmaThroughputNoIommu: number;
  /** 1 − dmaThroughput / dmaThroughputBaseline (0 without a baseline): the guest's cost. */
  guestDmaSlowdown: number;
  /** Time of every dirty read, ns (MODEL.md §13); the last one is in downtimeMs. */
  dirtyReadNs: number;
}

export interface RoundRecord {
  round: number;
  startMs: number;
  durationMs: number;
  bytesSent: number;
  dirtyBytes: number;
  translations: number;
  iotlbMisses: number;
  /** Page-selective invalidations (as the summary's invalidations). */
  invalidations: number;
  domainFlushes: number;
  splits: number;
  pageTableBytes: number;
  /** The device's payload bytes/s over the round (0 for the stop-and-copy: no DMA). */
  dmaThroughput: number;
  /** Time of the dirty reads in the round (the one at its end), ns. */
  readNs: number;
  stopAndCopy: boolean;
}

export interface SimResult {
  config: RunConfig;
  summary: Summary;
  rounds: RoundRecord[];
}

export const SUMMARY_METRICS: readonly (keyof Summary)[] = [
  "iotlbMissRate",
  "iotlbMissRateBaseline",
  "bytesTransferred",
  "dirtyBytesTransferred",
  "rounds",
  "converged",
  "downtimeMs",
  "migrationMs",
  "invalidations",
  "domainFlushes",
  "invalidationNs",
  "splits",
  "collapses",
  "pageTableBytesPeak",
  "walkMemoryAccesses",
  "translations",
  "iotlbMisses",
  "lostWrites",
  "dmaThroughput",
  "dmaThroughputBaseline",
  "dmaThroughputNoIommu",
  "guestDmaSlowdown",
  "dirtyReadNs",
];
