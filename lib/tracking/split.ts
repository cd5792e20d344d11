// Split policies for IOMMU dirty tracking (MODEL.md §7, seed points 4.a/4.b):
// `none` tracks at the mapping's page size; `eager` splits every leaf to the
// target when tracking starts, then one domain flush (and collapses when it
// stops if asked); `lazy` splits a leaf after it was reported dirty in
// `lazyThreshold` reads, so its first dirtying costs the whole huge page once.
// Policies are small objects chosen by name from a registry.

import type { RunConfig } from "../config/mod.ts";
import type { Domain } from "../iommu/types.ts";

export interface SplitPolicy {
  readonly name: string;
  /** Tracking has just been switched on. */
  onStart(domain: Domain): void;
  /** A dirty leaf seen by a read; policies that need no leaves leave it out (reads are faster). */
  onDirtyLeaf?(iova: number, sizeBytes: number): void;
  /** The read is over (cleared and invalidated); act on what it saw. */
  afterRead(domain: Domain): void;
  /** Tracking is about to stop. */
  onStop(domain: Domain): void;
}

export interface SplitContext {
  memoryBytes: number;
  mappingPageSize: number;
  splitTo: number;
  lazyThreshold: number;
  collapseAfter: boolean;
}

type SplitFactory = (ctx: SplitContext) => SplitPolicy;

const noop = () => {};

const none: SplitFactory = () => ({
  name: "none",
  onStart: noop,
  afterRead: noop,
  onStop: noop,
});

const eager: SplitFactory = (ctx) => ({
  name: "eager",
  onStart(domain) {
    if (ctx.splitTo >= ctx.mappingPageSize) return;
    // split() invalidates the translations it replaced (one gathered range
    // flush), which is MODEL.md's "then one domain flush" for a whole-memory split.
    domain.split(0, ctx.memoryBytes, ctx.splitTo);
  },
  afterRead: noop,
  onStop(domain) {
    if (ctx.collapseAfter && ctx.splitTo < ctx.mappingPageSize) domain.collapse(0, ctx.memoryBytes);
  },
});

const lazy: SplitFactory = (ctx) => {
  // Times each huge leaf (by IOVA) has been found dirty; only leaves larger
  // than the target are counted, and a split leaf is forgotten.
  const seen = new Map<number, number>();
  const due: [number, number][] = [];
  return {
    name: "lazy",
    onStart: noop,
    onDirtyLeaf(iova, size) {
      if (size <= ctx.splitTo) return;
      const n = (seen.get(iova) ?? 0) + 1;
      if (n >= ctx.lazyThreshold) {
        seen.delete(iova);
        due.push([iova, size]);
      } else seen.set(iova, n);
    },
    afterRead(domain) {
      for (const [iova, size] of due) domain.split(iova, size, ctx.splitTo);
      due.length = 0;
    },
    onStop(domain) {
      if (ctx.collapseAfter) domain.collapse(0, ctx.memoryBytes);
    },
  };
};

export const SPLIT_POLICIES: Readonly<Record<string, SplitFactory>> = { none, eager, lazy };

/** The split policy named by the config; an unknown name lists the known ones. */
export function createSplitPolicy(config: RunConfig): SplitPolicy {
  const factory = SPLIT_POLICIES[config.tracking.split];
  if (!factory) {
    throw new Error(
      `unknown split policy "${config.tracking.split}": known policies are ${
        Object.keys(SPLIT_POLICIES).join(", ")
      }`,
    );
  }
  return factory({
    memoryBytes: config.guest.memory,
    mappingPageSize: config.iommu.pageSize,
    splitTo: config.tracking.splitTo,
    lazyThreshold: config.tracking.lazyThreshold,
    collapseAfter: config.tracking.collapseAfter,
  });
}
