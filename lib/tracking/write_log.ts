// The ground truth of which 4 KiB pages the device wrote, kept apart from
// whatever tracks them (MODEL.md §11). The domain sets a bit of `marks` on
// every DMA write (Domain.attachWriteLog); each reader has its own plane of
// "written since I last cleared it": the verifier's since-copy plane and, with
// device-side tracking, the device's since-report plane. With one reader its
// plane is `marks` itself; with two, sync() folds the marks into both planes
// and clears them, and every reader syncs before it reads or clears its
// plane, so each plane is exactly what a bit of its own per page would hold.
//
// A bit a page, not a byte: the hot path's random store then lands in an
// eighth of the memory (128 KiB for a 4 GiB guest), beside the page table's
// bytes in the CPU's caches, as the C reference keeps its dirty bitmap
// (../shared/bench/iotlb_ref.c). All bitmaps are in the kernel's layout
// (bitmap.ts): page p is bit p & 7 of byte p >> 3.

export interface WriteLogOptions {
  /** Keep a second plane for the device's own log (tracking.mode "device"). */
  report?: boolean;
}

export class WriteLog {
  /** What the domain marks: pages written since the last sync (or ever, with one reader). */
  readonly marks: Uint8Array;
  /** Pages written since the verifier last cleared them (its copies). */
  readonly sinceCopy: Uint8Array;
  /** Pages written since the device's last report, or null without a device log. */
  readonly sinceReport: Uint8Array | null;

  constructor(readonly pages: number, options: WriteLogOptions = {}) {
    if (!(Number.isSafeInteger(pages) && pages >= 0)) {
      throw new RangeError(`WriteLog: ${pages} pages is not a whole number >= 0`);
    }
    const bytes = Math.ceil(pages / 8);
    this.marks = new Uint8Array(bytes);
    this.sinceReport = options.report ? new Uint8Array(bytes) : null;
    this.sinceCopy = this.sinceReport ? new Uint8Array(bytes) : this.marks;
  }

  /** Moves the marks into every plane; a reader calls it before it reads or clears its plane. */
  sync(): void {
    const report = this.sinceReport;
    if (report === null) return; // one reader: its plane is the marks
    const marks = this.marks, copy = this.sinceCopy;
    for (let i = 0; i < marks.length; i++) {
      const m = marks[i];
      if (m === 0) continue;
      copy[i] |= m;
      report[i] |= m;
      marks[i] = 0;
    }
  }
}
