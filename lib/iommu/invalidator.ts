// The invalidation queue with its costs (MODEL.md §4, FACTS §6): page-selective
// descriptors over aligned power-of-two ranges with a completion wait a batch,
// domain flushes that empty the IOTLB and the walk cache, and a kernel sync
// (kernel_flush.ts) applied record by record. What each drops is
// invalidation.ts's; the ns and counts are charged here, nowhere else.

import type { Gather } from "./gather.ts";
import { alignedCover, invalidateRange } from "./invalidation.ts";
import type { KernelSync } from "./kernel_flush.ts";
import type { LruTable } from "./lru.ts";

/** Modelled cost of one descriptor and of one completion wait, ns. */
export interface InvalidationCosts {
  invalidationNs: number;
  waitNs: number;
}

/** What a clear policy (and the structural calls) may issue. */
export interface InvalidationQueue {
  /** One page-selective descriptor covering [start, end), rounded up to an aligned range; no wait. */
  invalidatePages(start: number, end: number): void;
  /** One completion wait. */
  wait(): void;
  /** One descriptor per merged run of `gather`, then one wait; empties it. Nothing if empty. */
  flushGather(gather: Gather): void;
  /** A domain-selective invalidation and its wait. */
  flushDomain(): void;
  /**
   * What one iommu_iotlb_sync issued: each record's entries dropped (a
   * domain record empties the IOTLB, leaf-only records keep the walk
   * cache); commands × invalidationNs + waits × waitNs charged; page-range
   * commands count as invalidations, domain records as domain flushes.
   */
  applySync(sync: KernelSync): void;
}

export class Invalidator implements InvalidationQueue {
  /** Page-selective descriptors issued. */
  invalidations = 0;
  /** Domain-selective invalidations issued. */
  domainFlushes = 0;
  /** Cost of every descriptor, flush and wait, ns. */
  invalidationNs = 0;
  private readonly invalidationCostNs: number;
  private readonly waitCostNs: number;

  constructor(
    private readonly tlb: LruTable,
    private readonly walkCache: LruTable | null,
    /** Tag codes of the leaf sizes the IOTLB can hold, and of the walk cache's non-leaf levels. */
    private readonly iotlbCodes: readonly number[],
    private readonly walkCodes: readonly number[],
    costs: InvalidationCosts,
  ) {
    this.invalidationCostNs = costs.invalidationNs;
    this.waitCostNs = costs.waitNs;
  }

  invalidatePages(start: number, end: number): void {
    const cover = alignedCover(start, end);
    const coverEnd = cover.start + cover.size;
    invalidateRange(this.tlb, cover.start, coverEnd, this.iotlbCodes);
    if (this.walkCache) invalidateRange(this.walkCache, cover.start, coverEnd, this.walkCodes);
    this.invalidations++;
    this.invalidationNs += this.invalidationCostNs;
  }

  wait(): void {
    this.invalidationNs += this.waitCostNs;
  }

  flushGather(g: Gather): void {
    if (g.runs === 0) return;
    for (let i = 0; i < g.runs; i++) this.invalidatePages(g.starts[i], g.ends[i]);
    this.wait();
    g.clear();
  }

  flushDomain(): void {
    this.tlb.clear();
    this.walkCache?.clear();
    this.domainFlushes++;
    this.invalidationNs += this.invalidationCostNs + this.waitCostNs;
  }

  applySync(sync: KernelSync): void {
    for (const inv of sync.invalidations) {
      if (inv.kind === "domain") {
        this.tlb.clear();
        if (!inv.leafOnly) this.walkCache?.clear();
        this.domainFlushes++;
        continue;
      }
      const end = inv.iova + inv.length;
      invalidateRange(this.tlb, inv.iova, end, this.iotlbCodes);
      if (this.walkCache && !inv.leafOnly) {
        invalidateRange(this.walkCache, inv.iova, end, this.walkCodes);
      }
      this.invalidations += inv.commands;
    }
    this.invalidationNs += sync.commands * this.invalidationCostNs + sync.waits * this.waitCostNs;
  }
}
