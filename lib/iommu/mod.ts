// The IOMMU layer's public API: createDomain and the Domain contract, the
// clear policies a domain is built with (the kernel's own sync among them),
// the iova_bitmap window geometry of a dirty read, vendors as data (from
// lib/hw) with PTE encode/decode, the generic LRU table, and the stats helpers.
export { type CacheGeometry, createDomain, type DomainOptions, IommuDomain } from "./domain.ts";
export { DmaFault, type Errno, IommuError } from "./errors.ts";
export {
  CLEAR_POLICIES,
  CLEAR_POLICY_KINDS,
  type ClearContext,
  type ClearFlusher,
  type ClearPolicy,
  type ClearPolicyKind,
  createClearFlusher,
} from "./clear_policy.ts";
export type { InvalidationCosts, InvalidationQueue } from "./invalidator.ts";
export {
  bitmapWindows,
  type DirtyReadCounts,
  IOVA_BITMAP_WINDOW_PAGES,
  windowSpanBytes,
} from "./dirty_read.ts";
export {
  DOMAIN_SPAN,
  type FlushInvalidation,
  type KernelFlushKnobs,
  KernelGather,
  kernelIotlbSync,
  type KernelSync,
} from "./kernel_flush.ts";
export type { DirtyBitmapRequest, DmaBatch, Domain, IommuStats, LeafInfo } from "./types.ts";
export {
  decodePte,
  type DirtyEncoding,
  type DirtyWalkStyle,
  encodePte,
  type LeafPte,
  type Vendor,
  vendor,
  VENDOR_NAMES,
  type VendorName,
  VENDORS,
} from "../hw/mod.ts";
export { LruTable } from "./lru.ts";
export { diffStats, STATS_KEYS } from "./stats.ts";
export { alignedCover } from "./invalidation.ts";
export { levelOfSize, levelShift, levelSize } from "./page_table.ts";
