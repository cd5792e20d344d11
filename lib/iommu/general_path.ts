// The general DMA path and the walk cache (MODEL.md §3): one translation per
// leaf an access touches, each an IOTLB lookup over every leaf size in use
// (only the leaf's own size can hit: invalidations keep no entry of a leaf
// that is gone) or a walk from the root whose upper levels the walk cache may
// save. The hot loops fall back to it; a property test holds them equal.

import { setBits } from "./dirty_read.ts";
import { hex, notMapped, outsideSpace } from "./errors.ts";
import { BASE_PAGE, F_A, F_D, levelSize } from "./page_table.ts";
import type { DmaState } from "./dma_state.ts";
import { GIB, INV_GIB, offsetInLeaf, TAG_CODES, vpnExact, vpnLow } from "./tags.ts";

const INV_PAGE = 1 / BASE_PAGE;

/** One access through the general path. No allocation unless it faults. */
export function translate(s: DmaState, iova: number, len: number, write: boolean): void {
  const pt = s.pt;
  const vaLimit = pt.vaLimit;
  const end = iova + len;
  if (!(iova >= 0 && len > 0 && end <= vaLimit && Math.floor(iova) === iova)) {
    throw outsideSpace(iova, len, write, vaLimit);
  }
  const tlb = s.tlb;
  const codes = s.codesInUse;
  const dOnWrite = s.tracking ? F_D : 0;
  let a = iova;
  for (;;) {
    const hi = Math.floor(a * INV_GIB);
    const lo = (a - hi * GIB) | 0;
    let entry = -1;
    let code = 0;
    for (let k = 0; k < codes.length && entry < 0; k++) {
      code = codes[k];
      entry = tlb.lookup(
        vpnLow(hi, lo, code) & tlb.setMask,
        vpnExact(hi, lo, code) * TAG_CODES + code,
      );
    }
    if (entry >= 0) {
      s.hits++;
      if (write && dOnWrite !== 0 && s.tlbLeaf[entry] >= 0) {
        const slot = s.tlbLeaf[entry]; // cached D clear
        const e = pt.get(code + 1, slot);
        if (e >= 0) throw new Error(`IOTLB entry ${entry} points at a non-leaf slot`);
        pt.set(code + 1, slot, e | F_D);
        s.tlbLeaf[entry] = ~slot;
        s.walkMemoryAccesses++;
        s.dirtyBitWrites++;
      }
    } else {
      const slot = pt.find(a);
      const level = pt.foundLevel;
      if (slot < 0) throw notMapped(a, write, iova, len, level);
      s.misses++;
      code = level - 1;
      s.walkMemoryAccesses += s.walkCache === null
        ? pt.levels - level + 1
        : walkReads(s, hi, lo, level);
      const e = pt.get(level, slot);
      const ne = e | F_A | (write ? dOnWrite : 0);
      if (ne !== e) {
        pt.set(level, slot, ne);
        s.walkMemoryAccesses++;
        if ((ne & ~e & F_D) !== 0) s.dirtyBitWrites++;
      }
      entry = tlb.insert(
        vpnLow(hi, lo, code) & tlb.setMask,
        vpnExact(hi, lo, code) * TAG_CODES + code,
      );
      s.tlbLeaf[entry] = (ne & F_D) !== 0 ? ~slot : slot;
    }
    const next = a - offsetInLeaf(hi, lo, code) + levelSize(code + 1);
    if (next >= end) break;
    a = next;
  }
}

/** walkReads for an IOVA not yet split into (hi, lo). */
export function walkReadsAt(s: DmaState, iova: number, leafLevel: number): number {
  const hi = Math.floor(iova * INV_GIB);
  return walkReads(s, hi, (iova - hi * GIB) | 0, leafLevel);
}

/**
 * Memory reads of a walk to a leaf at `leafLevel` with a walk cache: the
 * deepest cached non-leaf entry on the path saves the reads above it; the
 * entries read from memory are then cached.
 */
export function walkReads(s: DmaState, hi: number, lo: number, leafLevel: number): number {
  const wc = s.walkCache!;
  const levels = s.pt.levels;
  let top = levels; // highest level read from memory
  for (let l = leafLevel + 1; l <= levels; l++) {
    const c = l - 1;
    if (wc.lookup(vpnLow(hi, lo, c) & wc.setMask, vpnExact(hi, lo, c) * TAG_CODES + c) >= 0) {
      top = l - 1;
      break;
    }
  }
  for (let l = leafLevel + 1; l <= top; l++) {
    const c = l - 1;
    wc.insert(vpnLow(hi, lo, c) & wc.setMask, vpnExact(hi, lo, c) * TAG_CODES + c);
  }
  return top - leafLevel + 1;
}

/** Marks every 4 KiB page of a write in the write log. */
export function logWrite(s: DmaState, iova: number, len: number): void {
  const log = s.writeLog!;
  const pLast = Math.floor((iova + len - 1) * INV_PAGE);
  if (pLast >= log.length * 8) {
    throw new RangeError(
      `write log of ${log.length * 8} pages is too short for a write at IOVA ${hex(iova)}`,
    );
  }
  setBits(log, Math.floor(iova * INV_PAGE), pLast + 1);
}
