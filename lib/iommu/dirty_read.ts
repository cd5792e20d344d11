// IOMMU_HWPT_GET_DIRTY_BITMAP (MODEL.md §5): walk [iova, iova + length), set
// one bit per `pageSize` unit that a dirty leaf covers (a dirty huge leaf sets
// every bit it covers) and, unless NO_CLEAR, clear D and tell the domain's
// clear policy of each cleared leaf so that it invalidates them its way. The
// argument rules are the kernel's (iommufd_check_iova_range, then the walk).

import { formatSize } from "../units/mod.ts";
import type { ClearFlusher } from "./clear_policy.ts";
import { checkAligned, checkMapped, checkRange, IommuError, isPow2 } from "./errors.ts";
import type { IntervalSet } from "./intervals.ts";
import { BASE_PAGE, type PageTable } from "./page_table.ts";
import type { DirtyBitmapRequest } from "./types.ts";

/** What a read needs of its domain. */
export interface DirtyReadContext {
  pt: PageTable;
  mapped: IntervalSet;
  tracking: boolean;
  flusher: ClearFlusher;
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
  ctx.pt.scanDirty(iova, end, clear, (leafIova, leafSize) => {
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
  });
  flusher?.readDone();
  // After the flush, as the kernel reports: a callback may split what it is given.
  if (found) {
    for (let i = 0; i < found.length; i += 2) req.onDirtyLeaf!(found[i], found[i + 1]);
  }
  return bitmap;
}
