// The IOMMU layer's public API: createDomain and the Domain contract, the
// clear policies a domain is built with, vendors as data (from lib/hw) with
// PTE encode/decode, the generic LRU table, and the stats helpers.
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
export type { DirtyBitmapRequest, DmaBatch, Domain, IommuStats, LeafInfo } from "./types.ts";
export {
  decodePte,
  type DirtyEncoding,
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
