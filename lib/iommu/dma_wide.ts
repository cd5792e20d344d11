// The hot path for IOTLBs of more than 8 ways (e.g. a fully associative
// 64-entry IOTLB): dma_packed.ts's loop with the wide sets' structures inline:
// the tag hash probe (LruTable.hashFind), the move to the head of the set's
// recency list (toFront), and on a miss the list's tail as victim with the
// hash delete and insert (insert). O(1) each, exact true LRU.

import { checkBatch, type DmaState, fastLimit } from "./dma_state.ts";
import { logWrite, translate, walkReadsAt } from "./general_path.ts";
import { HASH_MUL, INVALID_TAG } from "./lru.ts";
import { BASE_PAGE, F_A, F_D } from "./page_table.ts";
import { TAG_CODES } from "./tags.ts";
import type { DmaBatch } from "./types.ts";

const INV_PAGE = 1 / BASE_PAGE;

/** The first `count` accesses of `batch` on a domain whose IOTLB sets are wide (ways > 8). */
export function dmaWide(s: DmaState, batch: DmaBatch, count: number): void {
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
  // Wide sets (ways > 8): the tag hash and the recency lists (LruTable).
  const hashKeys = tlb.hashKeys;
  const hashEntries = tlb.hashEntries;
  const hashMask = tlb.hashMask;
  const hashShift = tlb.hashShift;
  const lruPrev = tlb.prev;
  const lruNext = tlb.next;
  const lruHead = tlb.head;
  const lruTail = tlb.tail;
  const setMask = tlb.setMask;
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
        // LruTable.hashFind: the low 32 bits of the tag are (vpn << 3) | code.
        let entry = -1;
        let h = Math.imul((vpn << 3) | code, HASH_MUL) >>> hashShift;
        for (;;) {
          const k = hashKeys[h];
          if (k === tag) {
            entry = hashEntries[h];
            break;
          }
          if (k === INVALID_TAG) break;
          h = (h + 1) & hashMask;
        }
        if (entry >= 0) {
          hits++;
          // Move the entry to the head of its set's recency list (LruTable.toFront).
          const head = lruHead[set];
          if (head !== entry) {
            const p = lruPrev[entry];
            const n = lruNext[entry];
            lruNext[p] = n;
            if (n < 0) lruTail[set] = p;
            else lruPrev[n] = p;
            lruPrev[entry] = -1;
            lruNext[entry] = head;
            lruPrev[head] = entry;
            lruHead[set] = entry;
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
            // The victim (LruTable.insert): the tail of the set's recency
            // list (empty ways sit there), O(1); its old tag leaves the hash
            // (LruTable.hashDelete: backward shift), the new one enters it.
            entry = lruTail[set];
            const old = tags[entry];
            if (old !== INVALID_TAG) {
              let hole = Math.imul(old | 0, HASH_MUL) >>> hashShift;
              while (hashKeys[hole] !== old) hole = (hole + 1) & hashMask;
              let j = hole;
              for (;;) {
                j = (j + 1) & hashMask;
                const k = hashKeys[j];
                if (k === INVALID_TAG) break;
                const home = Math.imul(k | 0, HASH_MUL) >>> hashShift;
                if (((j - home) & hashMask) >= ((j - hole) & hashMask)) {
                  hashKeys[hole] = k;
                  hashEntries[hole] = hashEntries[j];
                  hole = j;
                }
              }
              hashKeys[hole] = INVALID_TAG;
            }
            // To the head of the list (LruTable.toFront): with more than 8
            // ways the tail is never the head, so it has a predecessor.
            const p = lruPrev[entry];
            lruNext[p] = -1;
            lruTail[set] = p;
            const head = lruHead[set];
            lruPrev[entry] = -1;
            lruNext[entry] = head;
            lruPrev[head] = entry;
            lruHead[set] = entry;
            tags[entry] = tag;
            h = Math.imul((vpn << 3) | code, HASH_MUL) >>> hashShift;
            while (hashKeys[h] !== INVALID_TAG) h = (h + 1) & hashMask;
            hashKeys[h] = tag;
            hashEntries[h] = entry;
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
