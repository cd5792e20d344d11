// IOMMU_HWPT_GET_DIRTY_BITMAP (MODEL.md §5, §13): walk the range one
// iova_bitmap window at a time, set a bit per `pageSize` unit a dirty leaf
// covers, and unless NO_CLEAR clear D and tell the clear policy; count the
// entries the vendor's driver reads, once a read, never per DMA access.
// The argument rules are the kernel's (iommufd_check_iova_range, then the walk).

import { formatSize } from "../units/mod.ts";
import type { ClearFlusher } from "./clear_policy.ts";
import { checkAligned, checkMapped, checkRange, IommuError, isPow2 } from "./errors.ts";
import type { DirtyWalkStyle } from "../hw/mod.ts";
import type { IntervalSet } from "./intervals.ts";
import { BASE_PAGE, type PageTable } from "./page_table.ts";
import type { DirtyBitmapRequest } from "./types.ts";

/** PAGE_SIZE / sizeof(struct page *): pages of user bitmap iova_bitmap maps at a time. */
export const IOVA_BITMAP_WINDOW_PAGES = 512;

/** IOVA bytes one iova_bitmap window covers for a bitmap at `pageSize` (page-aligned buffer). */
export function windowSpanBytes(pageSize: number): number {
  return IOVA_BITMAP_WINDOW_PAGES * BASE_PAGE * 8 * pageSize;
}

/** iova_bitmap windows for a read of `length` bytes at bitmap page size `pageSize`. */
export function bitmapWindows(length: number, pageSize: number): number {
  if (!(length > 0) || length % pageSize !== 0) {
    throw new Error(`dirty read: length ${length} must be a positive multiple of ${pageSize}`);
  }
  return Math.ceil(length / windowSpanBytes(pageSize));
}

/** The work of the dirty reads so far: what lib/cost/dirty_read.ts prices. */
export interface DirtyReadCounts {
  /** GET_DIRTY_BITMAP calls that passed their checks. */
  reads: number;
  /** Page-table entries the driver read (its walk style: per leaf, or the tree once a window). */
  entries: number;
  /** Dirty leaves found (test-and-cleared unless NO_CLEAR, bits set). */
  dirtyLeaves: number;
  /** iova_bitmap windows (one driver call each). */
  windows: number;
}

/** What a read needs of its domain. */
export interface DirtyReadContext {
  pt: PageTable;
  mapped: IntervalSet;
  tracking: boolean;
  flusher: ClearFlusher;
  walk: DirtyWalkStyle;
  counts: DirtyReadCounts;
}

/** Sets bits [b0, b1) of a little-endian bitmap (bit k = bit k&7 of byte k>>3). */
export function setBits(bm: Uint8Array, b0: number, b1: number): void {
  while (b0 < b1 && b0 % 8 !== 0) {
    bm[Math.floor(b0 / 8)] |= 1 << (b0 % 8);
    b0++;
  }
  const fullEnd = b1 - (b1 % 8);
  if (b0 < fullEnd) {
    bm.fill(0xff, b0 / 8, fullEnd / 8);
    b0 = fullEnd;
  }
  while (b0 < b1) {
    bm[Math.floor(b0 / 8)] |= 1 << (b0 % 8);
    b0++;
  }
}

/** The dirty bitmap of `req`; clears and invalidates unless `req.noClear`. */
export function readDirtyBitmap(ctx: DirtyReadContext, req: DirtyBitmapRequest): Uint8Array {
  const { iova, length, pageSize } = req;
  const what = "getDirtyBitmap";
  if (!isPow2(pageSize)) {
    throw new IommuError("EINVAL", `${what}: pageSize ${pageSize} is not a power of two`);
  }
  // iommufd_check_iova_range: EOVERFLOW only when iova + length − 1
  // overflows; a range not wholly mapped (also one beyond the IOVA space)
  // is EINVAL from the walk (__iommu_read_and_clear_dirty).
  checkRange(what, iova, length, BASE_PAGE, "the IOMMU page 4KiB");
  checkAligned(what, iova, length, pageSize, `pageSize ${formatSize(pageSize)}`);
  const end = iova + length;
  checkMapped(ctx.mapped, what, iova, length);
  if (!ctx.tracking) {
    throw new IommuError("EINVAL", `${what}: dirty tracking is off; call setDirtyTracking(true)`);
  }
  const bitmap = new Uint8Array(Math.ceil(length / pageSize / 8));
  const clear = !req.noClear;
  const flusher = clear ? ctx.flusher : null;
  const found: number[] | null = req.onDirtyLeaf ? [] : null;
  const oneBitLimit = 2 ** 31 * pageSize; // bit indexes below 2^31 fit int32 ops
  const pt = ctx.pt;
  const entries0 = ctx.walk === "tree" ? pt.scanEntries : pt.scanLeafWalkEntries;
  let dirtyLeaves = 0;
  const onLeaf = (leafIova: number, leafSize: number) => {
    dirtyLeaves++;
    if (leafSize === pageSize && leafIova >= iova && leafIova - iova < oneBitLimit) {
      // The common case of a read at leaf granularity: one bit, no division loops.
      const k = (leafIova - iova) / pageSize;
      bitmap[k >> 3] |= 1 << (k & 7);
    } else {
      const b0 = Math.floor((Math.max(leafIova, iova) - iova) / pageSize);
      const b1 = Math.ceil((Math.min(leafIova + leafSize, end) - iova) / pageSize);
      setBits(bitmap, b0, b1);
    }
    found?.push(leafIova, leafSize);
    flusher?.leafCleared(leafIova, leafIova + leafSize);
  };
  // One driver call a window: a tree walk starts again at the root for each
  // (iova_bitmap_for_each → __iommu_read_and_clear_dirty); one gather and
  // one sync for the whole call (iommu_read_and_clear_dirty).
  const span = windowSpanBytes(pageSize);
  let windows = 0;
  for (let a = iova; a < end; a += span) {
    pt.scanDirty(a, Math.min(end, a + span), clear, onLeaf);
    windows++;
  }
  flusher?.readDone();
  const c = ctx.counts;
  c.reads++;
  c.entries += (ctx.walk === "tree" ? pt.scanEntries : pt.scanLeafWalkEntries) - entries0;
  c.dirtyLeaves += dirtyLeaves;
  c.windows += windows;
  // After the flush, as the kernel reports: a callback may split what it is given.
  if (found) {
    for (let i = 0; i < found.length; i += 2) req.onDirtyLeaf!(found[i], found[i + 1]);
  }
  return bitmap;
}
