// Dirty-read time (MODEL.md §13): what one IOMMU_HWPT_GET_DIRTY_BITMAP costs
// the host. Intel and AMD walk from the root for every leaf (pfn_to_dma_pte,
// fetch_pte), io-pgtable-arm reads each entry once per driver call, and iommufd
// calls the driver once per iova_bitmap window (512 pages of user bitmap).
// Closed forms and time; the domain counts the same work (lib/iommu/dirty_read.ts).

import type { DirtyWalkStyle } from "../hw/mod.ts";
import {
  bitmapWindows,
  type IommuStats,
  IOVA_BITMAP_WINDOW_PAGES,
  levelOfSize,
  levelSize,
  windowSpanBytes,
} from "../iommu/mod.ts";

export { bitmapWindows, type DirtyWalkStyle, IOVA_BITMAP_WINDOW_PAGES, windowSpanBytes };

/** The level of a leaf of `leafSize` bytes (1 = 4 KiB). */
function leafLevel(leafSize: number): number {
  const l = levelOfSize(leafSize);
  if (l === 0) throw new Error(`dirty read: leaf size ${leafSize} is not 4 KiB × 512^k`);
  return l;
}

/** A run of leaves of one size: [iova, iova + length), aligned to leafSize. */
export interface LeafRun {
  iova: number;
  length: number;
  leafSize: number;
}

export interface EntriesRead {
  leaves: number;
  /** Entries above the leaves (the tables' pointers) read on the way. */
  tableEntries: number;
  total: number;
}

function checkRuns(runs: readonly LeafRun[], levels: number): void {
  let last = -Infinity;
  for (const r of [...runs].sort((a, b) => a.iova - b.iova)) {
    if (r.length <= 0 || r.iova % r.leafSize !== 0 || r.length % r.leafSize !== 0) {
      throw new Error(`dirty read: run [${r.iova}, +${r.length}) not aligned to ${r.leafSize}`);
    }
    if (leafLevel(r.leafSize) > levels) {
      throw new Error(`dirty read: leaf ${r.leafSize} above ${levels} levels`);
    }
    if (r.iova < last) throw new Error(`dirty read: runs overlap at ${r.iova}`);
    last = r.iova + r.length;
  }
}

/** Number of distinct aligned `span` blocks the runs touch. */
function blocksTouched(runs: readonly { iova: number; length: number }[], span: number): number {
  const spans = runs.map((r) => [Math.floor(r.iova / span), Math.ceil((r.iova + r.length) / span)])
    .sort((a, b) => a[0] - b[0]);
  let n = 0, end = -Infinity;
  for (const [a, b] of spans) {
    const from = Math.max(a, end);
    if (b > from) n += b - from;
    end = Math.max(end, b);
  }
  return n;
}

/**
 * Page-table entries one driver call reads over `runs` (the leaves of the
 * range it was asked for) in a table of `levels` levels.
 * per-leaf: each leaf costs levels − leafLevel + 1 entries (a walk from the root).
 * tree: each entry at each level whose span meets a run with leaves at or
 * below that level is read once.
 */
export function entriesRead(
  runs: readonly LeafRun[],
  levels: number,
  style: DirtyWalkStyle,
): EntriesRead {
  checkRuns(runs, levels);
  let leaves = 0, tableEntries = 0;
  for (const r of runs) leaves += r.length / r.leafSize;
  if (style === "per-leaf") {
    for (const r of runs) {
      tableEntries += (r.length / r.leafSize) * (levels - leafLevel(r.leafSize));
    }
  } else {
    for (let k = 2; k <= levels; k++) {
      tableEntries += blocksTouched(runs.filter((r) => leafLevel(r.leafSize) < k), levelSize(k));
    }
  }
  return { leaves, tableEntries, total: leaves + tableEntries };
}

/**
 * Closed form for one mapping of `bytes` at leaf size `leafSize`, aligned
 * to the top level's span: bytes/leafSize leaves, plus per-leaf walks or,
 * for a tree walk, ⌈bytes / span(k)⌉ entries at every level k above the leaf.
 */
export function uniformEntriesRead(
  bytes: number,
  leafSize: number,
  levels: number,
  style: DirtyWalkStyle,
): EntriesRead {
  const l = leafLevel(leafSize);
  const leaves = bytes / leafSize;
  let tableEntries = 0;
  if (style === "per-leaf") tableEntries = leaves * (levels - l);
  else for (let k = l + 1; k <= levels; k++) tableEntries += Math.ceil(bytes / levelSize(k));
  return { leaves, tableEntries, total: leaves + tableEntries };
}

/** The dirtyRead config section (lib/config/cost_sections.ts). */
export interface DirtyReadCosts {
  entryReadNs: number;
  dirtyLeafNs: number;
  windowNs: number;
}

export interface DirtyReadWork {
  entries: number;
  /** Leaves found dirty (test-and-cleared, bits set). */
  dirtyLeaves: number;
  windows: number;
}

/**
 * The work of one GET_DIRTY_BITMAP over [iova, iova + length) whose leaves
 * are `runs` (clipped to the range by the caller), with `dirtyLeaves` dirty.
 * A tree walk starts again at the root for every window (one driver call a
 * window), so its upper entries are counted per window.
 */
export function dirtyReadWork(
  read: { iova: number; length: number; pageSize: number },
  runs: readonly LeafRun[],
  dirtyLeaves: number,
  levels: number,
  style: DirtyWalkStyle,
): DirtyReadWork {
  const windows = bitmapWindows(read.length, read.pageSize);
  let entries: number;
  if (style === "per-leaf") {
    entries = entriesRead(runs, levels, style).total;
  } else {
    const span = windowSpanBytes(read.pageSize);
    entries = 0;
    for (let w = 0; w < windows; w++) {
      const a = read.iova + w * span, b = Math.min(read.iova + read.length, a + span);
      const clipped = runs.flatMap((r) => {
        const s = Math.max(r.iova, a), e = Math.min(r.iova + r.length, b);
        return e > s ? [{ iova: s, length: e - s, leafSize: r.leafSize }] : [];
      });
      entries += entriesRead(clipped, levels, style).total;
    }
  }
  return { entries, dirtyLeaves, windows };
}

/** Time of that work, ns. */
export function dirtyReadNs(work: DirtyReadWork, costs: DirtyReadCosts): number {
  return work.entries * costs.entryReadNs + work.dirtyLeaves * costs.dirtyLeafNs +
    work.windows * costs.windowNs;
}

/** The reads' work as the domain counted it (an interval of IommuStats). */
export function dirtyReadWorkOf(s: IommuStats): DirtyReadWork {
  return {
    entries: s.dirtyReadEntries,
    dirtyLeaves: s.dirtyReadDirtyLeaves,
    windows: s.dirtyReadWindows,
  };
}
