// The IOMMU layer's public API: createDomain and the Domain contract, vendors
// as data with PTE encode/decode, the generic LRU table, and the stats helpers.
export { createDomain, DmaFault, type Errno, IommuDomain, IommuError } from "./domain.ts";
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
