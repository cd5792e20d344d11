// The hot path for IOTLBs of up to 8 ways (MODEL.md §3; ENV-NOTES "Hot path
// in Deno"): one loop over a DMA batch with its state in locals and nothing
// allocated per access; the region directory names an IOVA's one leaf, so one
// probe of that leaf's tag is exact, and the set's packed recency order finds
// a hit's place and a miss's victim in O(1). The rest goes the general path.

import { checkBatch, type DmaState, fastLimit } from "./dma_state.ts";
import { logWrite, translate, walkReadsAt } from "./general_path.ts";
import { PACKED_MAX_WAYS } from "./lru.ts";
import { BASE_PAGE, F_A, F_D } from "./page_table.ts";
import { TAG_CODES } from "./tags.ts";
import type { DmaBatch } from "./types.ts";

const INV_PAGE = 1 / BASE_PAGE;

/**
 * The first `count` accesses of `batch` on a domain whose IOTLB sets are
 * packed (ways <= 8). LruTable.lookup/touch/insert are inlined; a property
 * test holds the result equal to the general path's. The decode and the miss
 * handling are dma_wide.ts's, copied on purpose: shared as small functions
 * they measured 13-26 % slower (paired rounds in one process), so only the
 * batch check and the limit are shared.
 */
export function dmaPacked(s: DmaState, batch: DmaBatch, count: number): void {
  checkBatch(batch, count);
  const iovas = batch.iova;
  const lens = batch.length;
  const wr = batch.write;
  const pt = s.pt;
  const ent = pt.ent; // no table is allocated during DMA, so the pools stay put
  const leaf8 = pt.leaf8; // 4 KiB leaves: a byte each (LEAF8 | W | A | D)
  const dir = pt.dir;
  const tlb = s.tlb;
  const tags = tlb.tags;
  const order = tlb.order;
  const ways = tlb.ways;
  const setMask = tlb.setMask;
  const lastShift = 3 * (ways - 1);
  const belowLast = (1 << lastShift) - 1;
  const tlbSlot = s.tlbSlot;
  const tlbDirty = s.tlbDirty;
  const log = s.writeLog;
  const logMask = s.writeLogMask;
  const limit = fastLimit(s);
  const levels = pt.levels;
  const dOnWrite = s.tracking ? F_D : 0;
  const walkCache = s.walkCache;
  let hits = 0;
  let misses = 0;
  let mem = 0;
  let dbw = 0;
  try {
    for (let i = 0; i < count; i++) {
      const iova = iovas[i];
      const len = lens[i];
      const write = wr[i] !== 0;
      const pfn = (iova * INV_PAGE) | 0;
      const off = iova - pfn * BASE_PAGE; // byte in the page; an integer for an integer IOVA
      const inPage = off + len <= BASE_PAGE;
      // The directory: > 0 the 4 KiB-leaf table of the region (tag code 0);
      // < 0 dirEntry(slot, level) of a 2 MiB or 1 GiB entry (code = level − 1);
      // 0 unknown: the general path.
      const dv = iova >= 0 && iova < limit && len > 0 && (off | 0) === off ? dir[pfn >>> 9] : 0;
      // Branches, not arithmetic: the CPU predicts the leaf size, so the
      // IOTLB probe need not wait for the directory load.
      const code = dv > 0 ? 0 : (dv & 1) !== 0 ? 1 : 2;
      const shift = 9 * code; // vpn = pfn >>> shift
      const fastPath = dv !== 0 &&
        (inPage || (pfn & ((1 << shift) - 1)) * BASE_PAGE + off + len <= BASE_PAGE << shift);
      if (!fastPath) {
        translate(s, iova, len, write); // the general path; it raises faults
      } else {
        const vpn = pfn >>> shift;
        const tag = vpn * TAG_CODES + code;
        const set = vpn & setMask;
        const base = set * PACKED_MAX_WAYS; // 8 tag slots a set; unused ones never match
        const w = tags[base] === tag
          ? 0
          : tags[base + 1] === tag
          ? 1
          : tags[base + 2] === tag
          ? 2
          : tags[base + 3] === tag
          ? 3
          : tags[base + 4] === tag
          ? 4
          : tags[base + 5] === tag
          ? 5
          : tags[base + 6] === tag
          ? 6
          : tags[base + 7] === tag
          ? 7
          : -1;
        if (w >= 0) {
          hits++;
          const entry = base + w;
          // Move way w to the front of the packed recency order (LruTable.touch).
          const o = order[set];
          let p = 0;
          while (((o >>> (3 * p)) & 7) !== w) p++;
          if (p !== 0) {
            const low = (1 << (3 * p)) - 1;
            order[set] = (o & ~((low << 3) | 7)) | ((o & low) << 3) | w;
          }
          // Write hit: only a cached-clean entry writes D to memory.
          if (write && dOnWrite !== 0 && tlbDirty[entry] === 0) {
            if (code === 0) leaf8[tlbSlot[entry]] |= F_D;
            else ent[tlbSlot[entry]] |= F_D;
            tlbDirty[entry] = 1;
            mem++;
            dbw++;
          }
        } else {
          // Miss. The directory gave the leaf's slot; the walk is still
          // counted as one memory access a level (less what the walk cache holds).
          const slot = code === 0 ? (dv << 9) | (pfn & 511) : ~dv >>> 1;
          const e = code === 0 ? leaf8[slot] : ent[slot];
          if (code === 0 ? e === 0 : e >= 0) {
            translate(s, iova, len, write); // no leaf here: the general path faults
          } else {
            misses++;
            mem += walkCache === null ? levels - code : walkReadsAt(s, iova, code + 1);
            const ne = e | F_A | (write ? dOnWrite : 0); // the flags sit alike in both forms
            if (ne !== e) {
              // one atomic A/D update of the leaf
              if (code === 0) leaf8[slot] = ne;
              else ent[slot] = ne;
              mem++;
              if ((ne & ~e & F_D) !== 0) dbw++;
            }
            // The victim (LruTable.insert): the last way of the packed order, O(1).
            const o = order[set];
            const v = (o >>> lastShift) & 7;
            order[set] = ((o & belowLast) << 3) | v;
            const entry = base + v;
            tags[entry] = tag;
            tlbSlot[entry] = slot;
            tlbDirty[entry] = (ne & F_D) !== 0 ? 1 : 0;
          }
        }
      }
      if (write && log !== null) {
        if (fastPath && inPage) log[pfn] |= logMask; // pfn < log.length: iova < limit
        else logWrite(s, iova, len);
      }
    }
  } finally {
    s.hits += hits;
    s.misses += misses;
    s.walkMemoryAccesses += mem;
    s.dirtyBitWrites += dbw;
  }
}
