// The hot path for IOTLBs of more than 8 ways (e.g. a fully associative
// 64-entry IOTLB): dma_packed.ts's loop with the wide sets' structures inline:
// the tag hash probe (LruTable.hashFind), the move to the head of the set's
// recency list (toFront), and on a miss the list's tail as victim with the
// hash delete and insert (insert). O(1) each, exact true LRU.

import { setBits } from "./dirty_read.ts";
import { checkBatch, type DmaState, fastLimit } from "./dma_state.ts";
import { logWrite, translate, walkReadsAt } from "./general_path.ts";
import { HASH_MUL, INVALID_TAG } from "./lru.ts";
import { BASE_PAGE, F_A, F_D } from "./page_table.ts";
import { TAG_CODES } from "./tags.ts";
import type { DmaBatch } from "./types.ts";

const NO_LOG = new Uint8Array(0);

// The loop spells these constants out: V8 folds a literal, but reloads an
// imported binding (or a module-level const) from its cell at every use.
if (
  INVALID_TAG !== -1 || BASE_PAGE !== 4096 || TAG_CODES !== 8 ||
  F_A !== 2 || F_D !== 4 ||
  HASH_MUL !== -1640531535
) {
  throw new Error("dma_wide.ts: its constants disagree with page_table.ts, lru.ts or tags.ts");
}

/**
 * The first `count` accesses of `batch` on a domain whose IOTLB sets are wide
 * (ways > 8). The two loops are dma_packed.ts's (the inner one calls nothing).
 */
export function dmaWide(s: DmaState, batch: DmaBatch, count: number): void {
  checkBatch(batch, count);
  // Fields as untagged locals: V8 checks and untags a tagged local at every
  // use in a loop; `| 0` (an int32) and `+` (a double) do that once, here.
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
  const hashMask = tlb.hashMask | 0;
  const hashShift = tlb.hashShift | 0;
  const lruPrev = tlb.prev;
  const lruNext = tlb.next;
  const lruHead = tlb.head;
  const lruTail = tlb.tail;
  const setMask = tlb.setMask | 0;
  const tlbLeaf = s.tlbLeaf; // slot, or ~slot once the entry caches D set
  const logOn = s.writeLog !== null;
  const log = s.writeLog ?? NO_LOG; // one type for V8 either way
  const logPages = log.length * 8; // a bit a page
  const limit = +fastLimit(s);
  const levels = pt.levels | 0;
  const dOnWrite = s.tracking ? 4 : 0; // F_D
  const walkCache = s.walkCache !== null ? 1 : 0;
  // Every array's length read once here: V8 then checks each array's map
  // once, not on every access in the loop (it does not hoist checks).
  if (
    tlbLeaf.length !== tags.length ||
    lruPrev.length !== tags.length || lruNext.length !== tags.length ||
    lruHead.length !== lruTail.length || hashEntries.length !== hashKeys.length ||
    (dir.length | ent.length | leaf8.length) < 0
  ) {
    throw new Error("dmaWide: the IOTLB's arrays disagree in length");
  }
  let done = 0; // accesses the inner loop finished: its hits and misses
  let misses = 0;
  let mem = 0;
  let dbw = 0;
  // A miss with a walk cache: the walk's reads, counted by the outer loop
  // for access `walkAt`, then used when the inner loop takes that access again.
  let walkAt = -1;
  let walkCode = 0;
  let walkReads = 0;
  // A write across pages inside one leaf: its last page, for the outer loop.
  let logLast = -1;
  let i = 0;
  try {
    for (;;) {
      const from = i;
      for (; i < count; i++) {
        const iova = iovas[i];
        const len = lens[i];
        // A whole IOVA below the limit, a length > 0: else the general path
        // (which raises the fault). Then the page number and the byte in the
        // page are exact int32s, and the rest is integer arithmetic.
        if (!(iova >= 0 && iova < limit && Math.floor(iova) === iova && len !== 0)) break;
        const pfn = (iova * (1 / 4096)) | 0;
        const off = (iova - pfn * 4096) | 0;
        // The directory: > 0 the 4 KiB-leaf table of the region (tag code 0);
        // < 0 dirEntry(slot, level) of a 2 MiB or 1 GiB entry (code = level − 1);
        // 0 unknown: the general path.
        const dv = dir[pfn >>> 9];
        if (dv === 0) break;
        // Branches, not arithmetic: the CPU predicts the leaf size, so the
        // IOTLB probe need not wait for the directory load.
        const code = dv > 0 ? 0 : (dv & 1) !== 0 ? 1 : 2;
        const shift = 9 * code; // vpn = pfn >>> shift
        const write = wr[i] !== 0;
        // A write beyond its page: past the leaf's end the general path
        // splits it; its log bits are the outer loop's (as is a log too short).
        const inPage = len <= 4096 - off;
        if (!inPage) {
          if ((pfn & ((1 << shift) - 1)) * 4096 + off + len > 4096 << shift) break;
          if (write && logOn && Math.floor((iova + len - 1) * (1 / 4096)) >= logPages) break;
        }
        const vpn = pfn >>> shift;
        const tag = vpn * 8 + code; // TAG_CODES
        const set = vpn & setMask;
        // LruTable.hashFind: the low 32 bits of the tag are (vpn << 3) | code.
        let entry = -1;
        let h = Math.imul((vpn << 3) | code, -1640531535) >>> hashShift; // HASH_MUL
        for (;;) {
          const k = hashKeys[h];
          if (k === tag) {
            entry = hashEntries[h];
            break;
          }
          if (k === -1) break; // INVALID_TAG
          h = (h + 1) & hashMask;
        }
        if (entry >= 0) {
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
          if (write && dOnWrite !== 0) {
            const leafSlot = tlbLeaf[entry];
            if (leafSlot >= 0) {
              if (code === 0) leaf8[leafSlot] |= 4; // F_D
              else ent[leafSlot] |= 4;
              tlbLeaf[entry] = ~leafSlot;
              mem++;
              dbw++;
            }
          }
        } else {
          // Miss. The directory gave the leaf's slot; the walk is still
          // counted as one memory access a level (less what the walk cache holds).
          const slot = code === 0 ? (dv << 9) | (pfn & 511) : ~dv >>> 1;
          const e = code === 0 ? leaf8[slot] : ent[slot];
          if (code === 0 ? e === 0 : e >= 0) break; // no leaf here: the general path faults
          if (walkCache === 0) mem += levels - code;
          else if (walkAt === i) {
            mem += walkReads;
            walkAt = -1;
          } else {
            walkAt = i;
            walkCode = code;
            break;
          }
          misses++;
          const ne = e | 2 | (write ? dOnWrite : 0); // F_A, F_D: alike in both forms
          if (ne !== e) {
            // one atomic A/D update of the leaf
            if (code === 0) leaf8[slot] = ne;
            else ent[slot] = ne;
            mem++;
            if ((ne & ~e & 4) !== 0) dbw++;
          }
          // The victim (LruTable.insert): the tail of the set's recency
          // list (empty ways sit there), O(1); its old tag leaves the hash
          // (LruTable.hashDelete: backward shift), the new one enters it.
          entry = lruTail[set];
          const old = tags[entry];
          if (old !== -1) { // INVALID_TAG
            let hole = Math.imul(old | 0, -1640531535) >>> hashShift;
            while (hashKeys[hole] !== old) hole = (hole + 1) & hashMask;
            let j = hole;
            for (;;) {
              j = (j + 1) & hashMask;
              const k = hashKeys[j];
              if (k === -1) break; // INVALID_TAG
              const home = Math.imul(k | 0, -1640531535) >>> hashShift;
              if (((j - home) & hashMask) >= ((j - hole) & hashMask)) {
                hashKeys[hole] = k;
                hashEntries[hole] = hashEntries[j];
                hole = j;
              }
            }
            hashKeys[hole] = -1;
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
          h = Math.imul((vpn << 3) | code, -1640531535) >>> hashShift;
          while (hashKeys[h] !== -1) h = (h + 1) & hashMask;
          hashKeys[h] = tag;
          hashEntries[h] = entry;
          tlbLeaf[entry] = (ne & 4) !== 0 ? ~slot : slot;
        }
        if (write && logOn) {
          if (inPage) log[pfn >>> 3] |= 1 << (pfn & 7); // pfn < logPages: iova < limit
          else {
            logLast = Math.floor((iova + len - 1) * (1 / 4096));
            break; // translated; the outer loop marks its pages
          }
        }
      }
      done += i - from;
      if (i >= count) break;
      if (logLast >= 0) {
        // pages of a write that crossed a page inside its leaf
        setBits(log, Math.floor(iovas[i] / 4096), logLast + 1);
        logLast = -1;
        done++;
        i++;
        continue;
      }
      if (walkAt === i) {
        // The walk cache is the general path's; the inner loop then takes the access again.
        walkReads = walkReadsAt(s, iovas[i], walkCode + 1);
        continue;
      }
      const iova = iovas[i];
      const len = lens[i];
      const write = wr[i] !== 0;
      translate(s, iova, len, write); // the general path; it raises faults
      if (write && logOn) logWrite(s, iova, len);
      i++;
    }
  } finally {
    s.hits += done - misses;
    s.misses += misses;
    s.walkMemoryAccesses += mem;
    s.dirtyBitWrites += dbw;
  }
}
