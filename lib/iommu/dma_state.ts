// What the DMA paths share (MODEL.md §3): the page table, the IOTLB with each
// entry's leaf slot and cached D state (one word), the walk cache, the leaf sizes in
// use, the tracking mode, the write log and the translation counters. One
// class with every field set in its constructor, so the hot loops that copy
// it into locals see one shape; and the prologue both hot loops share.

import type { LruTable } from "./lru.ts";
import { BASE_PAGE, type PageTable } from "./page_table.ts";
import type { DmaBatch } from "./types.ts";

export class DmaState {
  /**
   * Per IOTLB entry, the slot of its leaf IOPTE and the cached D state in one
   * word (one array fewer for the hot loops to keep): the slot while the
   * entry caches D clear, ~slot (< 0) once it caches D set.
   */
  readonly tlbLeaf: Int32Array;
  /** Tag codes (leaf level − 1) that have leaves now, ascending: what a lookup probes. */
  codesInUse = new Int32Array(0);
  tracking = false;
  /** Tests and the naive benchmark set this to run every access through the general path. */
  forceGeneralPath = false;
  /** The write log's bitmap (Domain.attachWriteLog): bit p & 7 of byte p >> 3 for 4 KiB page p. */
  writeLog: Uint8Array | null = null;
  hits = 0;
  misses = 0;
  /** Memory accesses of walks and of A/D updates. */
  walkMemoryAccesses = 0;
  dirtyBitWrites = 0;

  constructor(
    readonly pt: PageTable,
    readonly tlb: LruTable,
    readonly walkCache: LruTable | null,
  ) {
    this.tlbLeaf = new Int32Array(tlb.tags.length);
  }

  /** After leaves were added or removed: which leaf sizes a lookup must probe. */
  structureChanged(): void {
    const codes: number[] = [];
    for (let l = 1; l <= this.pt.levels; l++) if (this.pt.leafCount[l] > 0) codes.push(l - 1);
    this.codesInUse = Int32Array.from(codes);
  }
}

/** A batch's count must lie within every one of its arrays. */
export function checkBatch(batch: DmaBatch, count: number): void {
  if (
    !(Number.isInteger(count) && count >= 0 && count <= batch.iova.length &&
      count <= batch.length.length && count <= batch.write.length)
  ) {
    throw new RangeError(`dmaBatch: count ${count} is outside the batch (${batch.iova.length})`);
  }
}

/**
 * The IOVA below which the hot loops run inline: a 4 KiB page number (pfn)
 * fits an int32, the region directory has an entry and (if a log is
 * attached) the log has a bit. 0 when everything goes the general path.
 */
export function fastLimit(s: DmaState): number {
  const log = s.writeLog;
  return s.forceGeneralPath
    ? 0
    : log === null
    ? s.pt.dirLimit
    : Math.min(s.pt.dirLimit, log.length * 8 * BASE_PAGE);
}
