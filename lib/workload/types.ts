// The workload contract: a generator fills DmaBatch arrays with operations in
// time order, from the one seeded PRNG, so the migration loop can run the
// workload for a round without per-access work of its own.

import type { DmaBatch } from "../iommu/types.ts";
export type { DmaBatch };

export interface WorkloadGenerator {
  /**
   * Fills batch[0..n) with the next operations whose time is < untilNs
   * (simulated ns since the workload started) and returns n; n < capacity
   * means the generator has caught up to untilNs.
   */
  fill(batch: DmaBatch, untilNs: number): number;
  /** Simulated time of the next operation, ns. */
  readonly nowNs: number;
}
