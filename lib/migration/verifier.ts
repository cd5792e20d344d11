// The verifier (MODEL.md §11): for every 4 KiB page, was it written on the
// source after the copy of it that reached the destination? One byte per page
// (bit LOG_WRITTEN_SINCE_COPY of the shared write log, set by the IOMMU model
// on every DMA write) gives the same answer as two sequence-number arrays at a
// fraction of the cost (ENV-NOTES.md). Copies are taken when a round's dirty
// set is read, so a page is lost only if a write escaped every later report.

import { LOG_WRITTEN_SINCE_COPY } from "../tracking/mod.ts";

const CLEAR = ~LOG_WRITTEN_SINCE_COPY & 0xff;

export class Verifier {
  constructor(private readonly log: Uint8Array) {}

  /** Round 0: every page is copied. */
  copyAll(): void {
    const log = this.log;
    for (let p = 0; p < log.length; p++) log[p] &= CLEAR;
  }

  /** Pages whose bit is set in a 4 KiB bitmap (kernel layout) are copied. */
  copy(bitmap: Uint8Array): void {
    const log = this.log;
    const bytes = Math.min(bitmap.length, (log.length + 7) >> 3);
    for (let i = 0; i < bytes; i++) {
      const b = bitmap[i];
      if (b === 0) continue;
      const base = i << 3;
      for (let j = 0; j < 8; j++) if ((b >> j) & 1 && base + j < log.length) log[base + j] &= CLEAR;
    }
  }

  /** Pages written on the source since the last copy that reached the destination. */
  lostWrites(): number {
    let n = 0;
    const log = this.log;
    for (let p = 0; p < log.length; p++) n += log[p] & LOG_WRITTEN_SINCE_COPY;
    return n;
  }
}
