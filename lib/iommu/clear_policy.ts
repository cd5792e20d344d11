// Clear batching (MODEL.md §6): how a dirty read invalidates the leaves whose
// Dirty bit it cleared. The domain takes one tagged value; its behaviour is a
// small object told of each cleared leaf and of the read's end. `kernel` is
// upstream Linux's one gather and one sync a read (kernel_flush.ts). A new
// kind is a member of ClearPolicy plus its factory: the compiler asks for both.

import type { Vendor } from "../hw/mod.ts";
import { Gather } from "./gather.ts";
import type { InvalidationQueue } from "./invalidator.ts";
import { type KernelFlushKnobs, KernelGather, kernelIotlbSync } from "./kernel_flush.ts";

/**
 * `batch`: gather `n` cleared leaves, one descriptor per merged run and one
 * wait per batch (n = 1: a descriptor and a wait per leaf); `round`: one
 * domain flush after a read that cleared anything; `kernel`: every cleared
 * leaf of one read grows one range, then one sync by the vendor's rule with
 * `knobs` (it runs even when nothing was cleared, as the kernel's does);
 * `unsafe-skip`: clear D and invalidate nothing, a defect on purpose that
 * loses writes (MODEL.md §3).
 */
export type ClearPolicy =
  | { kind: "batch"; n: number }
  | { kind: "round" }
  | { kind: "kernel"; knobs: KernelFlushKnobs }
  | { kind: "unsafe-skip" };

export type ClearPolicyKind = ClearPolicy["kind"];

/** What a policy may use: the domain's invalidation queue and its vendor's rules. */
export interface ClearContext {
  queue: InvalidationQueue;
  vendor: Vendor;
}

/** One domain's clearing, called by every dirty read that clears. */
export interface ClearFlusher {
  /** The read cleared D in the leaf [start, end). */
  leafCleared(start: number, end: number): void;
  /** The read is over: invalidate whatever is still pending. */
  readDone(): void;
}

type Factories = {
  [K in ClearPolicyKind]: (
    policy: Extract<ClearPolicy, { kind: K }>,
    ctx: ClearContext,
  ) => ClearFlusher;
};

export const CLEAR_POLICIES: Readonly<Factories> = {
  batch({ n }, { queue }) {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new Error(`clear: batch n ${n} must be a positive integer`);
    }
    const gather = new Gather();
    return {
      leafCleared(start, end) {
        gather.add(start, end);
        if (gather.added >= n) queue.flushGather(gather);
      },
      readDone() {
        queue.flushGather(gather);
      },
    };
  },
  round(_, { queue }) {
    let cleared = 0;
    return {
      leafCleared() {
        cleared++;
      },
      readDone() {
        if (cleared > 0) queue.flushDomain();
        cleared = 0;
      },
    };
  },
  kernel({ knobs }, { queue, vendor }) {
    const gather = new KernelGather();
    // The smallest leaf cleared: SMMUv3 with gatherPgsize "leaf" invalidates
    // at that granule, which covers the larger leaves too.
    let granule = Infinity;
    return {
      leafCleared(start, end) {
        gather.addRange(start, end - start); // iommu_dirty_bitmap_record
        if (end - start < granule) granule = end - start;
      },
      readDone() {
        const sync = kernelIotlbSync(
          vendor.name,
          knobs,
          gather,
          granule === Infinity ? undefined : granule,
        );
        queue.applySync(sync);
        gather.reset();
        granule = Infinity;
      },
    };
  },
  "unsafe-skip"() {
    return { leafCleared() {}, readDone() {} };
  },
};

export const CLEAR_POLICY_KINDS = Object.keys(CLEAR_POLICIES) as ClearPolicyKind[];

/** The flusher for `policy`; an unknown kind is an error that lists the known ones. */
export function createClearFlusher(policy: ClearPolicy, ctx: ClearContext): ClearFlusher {
  const make = (CLEAR_POLICIES as Record<string, Factories[ClearPolicyKind]>)[policy?.kind];
  if (!make) {
    throw new Error(
      `clear: kind "${policy?.kind}" is not one of ${CLEAR_POLICY_KINDS.join(", ")}`,
    );
  }
  return (make as (p: ClearPolicy, c: ClearContext) => ClearFlusher)(policy, ctx);
}
