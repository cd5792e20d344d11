// The verifier (MODEL.md §11): for every 4 KiB page, was it written on the
// source after the copy of it that reached the destination? One bit a page
// (the write log's since-copy plane, set by the IOMMU model on every DMA
// write: write_log.ts) gives the same answer as two sequence-number arrays at
// a fraction of the cost (ENV-NOTES.md). Copies are taken when a round's
// dirty set is read, so a page is lost only if a write escaped every later
// report.

import { popcount, type WriteLog } from "../tracking/mod.ts";

export class Verifier {
  constructor(private readonly log: WriteLog) {}

  /** Round 0: every page is copied. */
  copyAll(): void {
    this.log.sync();
    this.log.sinceCopy.fill(0);
  }

  /** Pages whose bit is set in a 4 KiB bitmap (kernel layout) are copied. */
  copy(bitmap: Uint8Array): void {
    this.log.sync();
    const plane = this.log.sinceCopy;
    const bytes = Math.min(bitmap.length, plane.length);
    for (let i = 0; i < bytes; i++) plane[i] &= ~bitmap[i];
  }

  /** Pages written on the source since the last copy that reached the destination. */
  lostWrites(): number {
    this.log.sync();
    return popcount(this.log.sinceCopy, this.log.pages);
  }
}
