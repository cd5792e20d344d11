// Invalidations (MODEL.md §4), functionally: what a page-selective
// descriptor removes from the IOTLB and the walk cache (entries tagged as in
// tags.ts), and the one aligned range a descriptor can name. Costs are not
// here: the invalidator charges them (STYLE: functional state apart from cost).

import { INVALID_TAG, type LruTable } from "./lru.ts";
import { levelSize } from "./page_table.ts";
import { TAG_CODES } from "./tags.ts";

/**
 * Drops every entry of `table` with one of `codes` whose range intersects
 * [start, end). Probes the sets a range can live in when that is cheaper
 * than scanning the whole table. Returns the number of entries dropped.
 */
export function invalidateRange(
  table: LruTable,
  start: number,
  end: number,
  codes: readonly number[],
): number {
  let dropped = 0;
  for (const code of codes) {
    const size = levelSize(code + 1);
    const v0 = Math.floor(start / size);
    const v1 = Math.ceil(end / size);
    if (v1 - v0 < table.sets) {
      for (let v = v0; v < v1; v++) {
        const e = table.find(v % table.sets, v * TAG_CODES + code);
        if (e >= 0) {
          table.invalidate(e);
          dropped++;
        }
      }
    } else {
      const tags = table.tags;
      for (let e = 0; e < tags.length; e++) {
        const tag = tags[e];
        if (tag === INVALID_TAG || tag % TAG_CODES !== code) continue;
        const v = (tag - code) / TAG_CODES;
        if (v >= v0 && v < v1) {
          table.invalidate(e);
          dropped++;
        }
      }
    }
  }
  return dropped;
}

/**
 * The smallest naturally aligned power-of-two range that covers
 * [start, end): what one page-selective descriptor can name (Intel's
 * address-mask invalidation rounds a run up the same way:
 * drivers/iommu/intel/cache.c, calculate_psi_aligned_address).
 */
export function alignedCover(start: number, end: number): { start: number; size: number } {
  if (!(end > start)) throw new Error(`alignedCover: empty range [${start}, ${end})`);
  let size = 4096;
  while (size < end - start) size *= 2;
  while (Math.floor(start / size) !== Math.floor((end - 1) / size)) size *= 2;
  return { start: Math.floor(start / size) * size, size };
}
