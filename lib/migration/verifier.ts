// The verifier (MODEL.md §11): for every 4 KiB page, was it written on the
// source after the copy of it that reached the destination? One byte per page
// (bit LOG_WRITTEN_SINCE_COPY of the shared write log, set by the IOMMU model
// on every DMA write) gives the same answer as two sequence-number arrays at a
// fraction of the cost (ENV-NOTES.md). Copies are taken when a round's dirty
// set is read, so a page is lost only if a write escaped every later report.
// The passes over the log go four pages a 32-bit word where the log is aligned.

import { LOG_WRITTEN_SINCE_COPY } from "../tracking/mod.ts";

const CLEAR = ~LOG_WRITTEN_SINCE_COPY & 0xff;
const COPY_BYTES = Math.imul(LOG_WRITTEN_SINCE_COPY, 0x01010101); // the bit in every byte of a word
/** NIBBLE_COPY[n]: the bit in byte k of a word for each set bit k of n (four pages of a bitmap). */
const NIBBLE_COPY = Int32Array.from(
  { length: 16 },
  (_, n) =>
    (n & 1 ? LOG_WRITTEN_SINCE_COPY : 0) | (n & 2 ? LOG_WRITTEN_SINCE_COPY << 8 : 0) |
    (n & 4 ? LOG_WRITTEN_SINCE_COPY << 16 : 0) | (n & 8 ? LOG_WRITTEN_SINCE_COPY << 24 : 0),
);

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export class Verifier {
  /** The log's whole words (little-endian: byte k of word i is page 4i + k). */
  private readonly words: Int32Array;

  constructor(private readonly log: Uint8Array) {
    const aligned = log.byteOffset % 4 === 0 && LITTLE_ENDIAN;
    this.words = aligned
      ? new Int32Array(log.buffer, log.byteOffset, log.length >> 2)
      : new Int32Array(0);
  }

  /** Round 0: every page is copied. */
  copyAll(): void {
    const words = this.words;
    const keep = ~COPY_BYTES;
    for (let i = 0; i < words.length; i++) words[i] &= keep;
    const log = this.log;
    for (let p = words.length << 2; p < log.length; p++) log[p] &= CLEAR;
  }

  /** Pages whose bit is set in a 4 KiB bitmap (kernel layout) are copied. */
  copy(bitmap: Uint8Array): void {
    const log = this.log;
    const words = this.words;
    const bytes = Math.min(bitmap.length, (log.length + 7) >> 3);
    // Bitmap byte i covers pages 8i..8i+7: words 2i and 2i + 1, where whole.
    const wholeBytes = Math.min(bytes, words.length >> 1);
    for (let i = 0; i < wholeBytes; i++) {
      const b = bitmap[i];
      if (b === 0) continue;
      words[2 * i] &= ~NIBBLE_COPY[b & 15];
      words[2 * i + 1] &= ~NIBBLE_COPY[b >> 4];
    }
    for (let i = wholeBytes; i < bytes; i++) {
      const b = bitmap[i];
      if (b === 0) continue;
      const base = i << 3;
      for (let j = 0; j < 8; j++) if ((b >> j) & 1 && base + j < log.length) log[base + j] &= CLEAR;
    }
  }

  /** Pages written on the source since the last copy that reached the destination. */
  lostWrites(): number {
    let n = 0;
    const words = this.words;
    const shift = Math.log2(LOG_WRITTEN_SINCE_COPY);
    // The bit of each byte moved to bit 0, then the four bytes summed in the top one.
    for (let i = 0; i < words.length; i++) {
      n += Math.imul((words[i] >>> shift) & 0x01010101, 0x01010101) >>> 24;
    }
    const log = this.log;
    for (let p = words.length << 2; p < log.length; p++) {
      n += (log[p] & LOG_WRITTEN_SINCE_COPY) >> shift;
    }
    return n;
  }
}
