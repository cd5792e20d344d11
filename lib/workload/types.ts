// The workload contract: a generator fills DmaBatch arrays with operations in
// time order, from the one seeded PRNG, so the migration loop can run the
// workload for a round without per-access work of its own.

import type { DmaBatch } from "../iommu/types.ts";
export type { DmaBatch };

/** A DmaBatch that may also carry each operation's time (filled when present). */
export interface WorkloadBatch extends DmaBatch {
  /** Simulated ns since the workload started; written by fill() only if present. */
  timeNs?: Float64Array;
}

/** An IOVA range [start, end), bytes. */
export interface IovaRange {
  start: number;
  end: number;
}

export interface WorkloadGenerator {
  /** The config kind this generator implements. */
  readonly kind: string;
  /**
   * Fills batch[0..n) with the next operations whose time is < untilNs
   * (simulated ns since the workload started) and returns n; n < capacity
   * means the generator has caught up to untilNs. The capacity is the length
   * of the batch's arrays. The operations do not depend on how the calls are
   * split into batches.
   */
  fill(batch: WorkloadBatch, untilNs: number): number;
  /** Simulated time of the next operation, ns (Infinity when there is none). */
  readonly nowNs: number;
  /** Operations issued so far. */
  readonly issued: number;
  /**
   * Payload bytes of those operations (Σ length): the device's DMA
   * throughput counters (lib/cost/dma.ts), kept per batch, not per access.
   */
  readonly issuedBytes: number;
  /**
   * Sorted, disjoint IOVA ranges that contain every byte an operation may
   * touch (a superset for `trace` and `mix`; the device's DMA footprint).
   */
  readonly ranges: readonly IovaRange[];
}
