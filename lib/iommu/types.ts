// The IOMMU domain's public contract: what the migration layer, notebooks and
// checks call. Names follow the iommufd uAPI (IOMMU_HWPT_SET_DIRTY_TRACKING,
// IOMMU_HWPT_GET_DIRTY_BITMAP with NO_CLEAR). Functional state and cost
// accounting are kept apart: IommuStats only counts.

import type { Vendor } from "../hw/vendors.ts";

/** Subtractable counters of one domain (per round = end − start). */
export interface IommuStats {
  translations: number;
  iotlbHits: number;
  iotlbMisses: number;
  /** Memory accesses spent on page walks and on Dirty/Accessed updates. */
  walkMemoryAccesses: number;
  /** Writes of a D bit to an IOPTE in memory (write hit with cached D clear, or walk). */
  dirtyBitWrites: number;
  /** Page-selective invalidation descriptors. */
  invalidations: number;
  /** Domain-selective invalidations. */
  domainFlushes: number;
  /** Cost of every invalidation and completion wait, ns. */
  invalidationNs: number;
  splits: number;
  collapses: number;
  /** Current page-table memory: table pages × 4 KiB. */
  pageTableBytes: number;
  /** Highest pageTableBytes seen. */
  pageTableBytesPeak: number;
  /** GET_DIRTY_BITMAP calls (the work below is theirs; lib/cost/dirty_read.ts prices it). */
  dirtyReads: number;
  /** Page-table entries those reads walked, as the vendor's driver walks them. */
  dirtyReadEntries: number;
  /** Dirty leaves they found (test-and-cleared unless NO_CLEAR). */
  dirtyReadDirtyLeaves: number;
  /** iova_bitmap windows they took (one driver call each). */
  dirtyReadWindows: number;
}

export interface DirtyBitmapRequest {
  iova: number;
  length: number;
  pageSize: number;
  /** IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: report without clearing or flushing. */
  noClear?: boolean;
  /** Called once per dirty leaf found, with its IOVA and size (for lazy splitting). */
  onDirtyLeaf?: (iova: number, sizeBytes: number) => void;
}

/** A batch of DMA operations in typed arrays: the hot path's input. */
export interface DmaBatch {
  iova: Float64Array;
  length: Uint32Array;
  /** 1 = write, 0 = read. */
  write: Uint8Array;
}

/** A leaf IOPTE as inspection sees it (no IOTLB state, no counters touched). */
export interface LeafInfo {
  iova: number;
  sizeBytes: number;
  /** Page-table level of the leaf: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB. */
  level: number;
  writable: boolean;
  accessed: boolean;
  dirty: boolean;
}

export interface Domain {
  readonly vendor: Vendor;
  /** Whether dirty tracking is on (IOMMU_HWPT_SET_DIRTY_TRACKING). */
  readonly dirtyTracking: boolean;
  /** Maps [iova, iova+length) 1:1, read/write, with leaves of `pageSize`. */
  map(iova: number, length: number, pageSize: number): void;
  unmap(iova: number, length: number): void;
  /** One DMA access; an access that spans pages costs one translation per page. */
  dma(iova: number, length: number, write: boolean): void;
  /** The hot path: the first `count` operations of `batch`. No allocation per access. */
  dmaBatch(batch: DmaBatch, count: number): void;
  setDirtyTracking(on: boolean): void;
  getDirtyBitmap(req: DirtyBitmapRequest): Uint8Array;
  split(iova: number, length: number, toPageSize: number): void;
  collapse(iova: number, length: number): void;
  /** Invalidates the whole domain (IOTLB and walk cache), with its wait. */
  flushDomain(): void;
  stats(): IommuStats;
  /**
   * Ground truth for the verifier and device-side tracking: every DMA write
   * sets the bit of each 4 KiB page p it touches, bit p & 7 of bitmap[p >> 3]
   * (the kernel's bitmap layout); the domain never clears one. One bitmap at
   * a time; pass null to detach.
   */
  attachWriteLog(bitmap: Uint8Array | null): void;
  /** The leaf that translates `iova`, or null; a pure page-table read. */
  lookup(iova: number): LeafInfo | null;
  /** The leaves overlapping [iova, iova+length) (default: everything), in IOVA order. */
  leaves(iova?: number, length?: number): Iterable<LeafInfo>;
  /** The leaf IOPTE of `iova` encoded with the vendor's real bit positions, or null. */
  readPte(iova: number): bigint | null;
}
