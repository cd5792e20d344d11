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

const NO_LOG = new Uint8Array(0);

/**
 * The first `count` accesses of `batch` on a domain whose IOTLB sets are
 * packed (ways <= 8). LruTable.lookup/touch/insert are inlined; a property
 * test holds the result equal to the general path's. The decode and the miss
 * handling are dma_wide.ts's, copied on purpose: shared as small functions
 * they measured 13-26 % slower (paired rounds in one process), so only the
 * batch check and the limit are shared.
 *
 * Two loops: the inner one runs the fast path and calls nothing, so V8 keeps
 * every typed array's base and length and every constant in registers (a call
 * anywhere in the loop makes it reload them all on every access); an access
 * the fast path cannot finish breaks out, before it changes anything, to the
 * outer loop, which sends it the general path (or, for an IOTLB miss with a
 * walk cache, counts the walk's reads) and re-enters the inner loop.
 */
export function dmaPacked(s: DmaState, batch: DmaBatch, count: number): void {
  checkBatch(batch, count);
  // Constants and fields as untagged locals: V8 reloads an imported binding
  // (or a module-level const) from its cell on every use inside a loop, and
  // checks and untags a tagged local at every use; `| 0` (an int32) and
  // arithmetic (a double) do that once, here.
  const PAGE = BASE_PAGE | 0;
  const INV_PAGE = 1 / BASE_PAGE;
  const FA = F_A | 0;
  const FD = F_D | 0;
  const CODES = TAG_CODES | 0;
  const WAYS_LOG2 = Math.log2(PACKED_MAX_WAYS) | 0; // 8 tag slots a set
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
  const setMask = tlb.setMask | 0;
  const lastShift = (3 * (tlb.ways - 1)) | 0;
  const belowLast = (1 << lastShift) - 1;
  const tlbSlot = s.tlbSlot;
  const tlbDirty = s.tlbDirty;
  const logOn = s.writeLog !== null;
  const log = s.writeLog ?? NO_LOG; // one type for V8 either way
  const logPages = log.length | 0;
  const logMask = s.writeLogMask | 0;
  const limit = +fastLimit(s);
  const levels = pt.levels | 0;
  const dOnWrite = s.tracking ? FD : 0;
  const walkCache = s.walkCache !== null ? 1 : 0;
  // Every array's length read once here: V8 then checks each array's map
  // once, not on every access in the loop (it does not hoist checks).
  if (
    tlbSlot.length !== tags.length || tlbDirty.length !== tags.length ||
    order.length << WAYS_LOG2 !== tags.length || (dir.length | ent.length | leaf8.length) < 0
  ) {
    throw new Error("dmaPacked: the IOTLB's arrays disagree in length");
  }
  let hits = 0;
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
      for (; i < count; i++) {
        const iova = iovas[i];
        const len = lens[i];
        // A whole IOVA below the limit, a length > 0: else the general path
        // (which raises the fault). Then the page number and the byte in the
        // page are exact int32s, and the rest is integer arithmetic.
        if (!(iova >= 0 && iova < limit && Math.floor(iova) === iova && len !== 0)) break;
        const pfn = (iova * INV_PAGE) | 0;
        const off = (iova - pfn * PAGE) | 0;
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
        // splits it; its log bytes are the outer loop's (as is a log too short).
        const inPage = len <= PAGE - off;
        if (!inPage) {
          if ((pfn & ((1 << shift) - 1)) * PAGE + off + len > PAGE << shift) break;
          if (write && logOn && Math.floor((iova + len - 1) * INV_PAGE) >= logPages) break;
        }
        const vpn = pfn >>> shift;
        const tag = vpn * CODES + code;
        const set = vpn & setMask;
        const base = set << WAYS_LOG2; // unused slots never match; base | k = base + k
        const w = tags[base] === tag
          ? 0
          : tags[base | 1] === tag
          ? 1
          : tags[base | 2] === tag
          ? 2
          : tags[base | 3] === tag
          ? 3
          : tags[base | 4] === tag
          ? 4
          : tags[base | 5] === tag
          ? 5
          : tags[base | 6] === tag
          ? 6
          : tags[base | 7] === tag
          ? 7
          : -1;
        if (w >= 0) {
          hits++;
          const entry = base | w;
          // Move way w to the front of the packed recency order (LruTable.touch).
          // Its position p: the lowest 3-bit field of o equal to w (a
          // zero field of o ^ w·0o11111111; the lowest flagged one is exact).
          const o = order[set];
          const x = o ^ Math.imul(w, 0x249249);
          const z = (x - 0x249249) & ~x & 0x924924;
          const p = ((31 - Math.clz32(z & -z)) * 11) >>> 5; // (bit − 2) / 3 for bit = 3p + 2
          if (p !== 0) {
            const low = (1 << (3 * p)) - 1;
            order[set] = (o & ~((low << 3) | 7)) | ((o & low) << 3) | w;
          }
          // Write hit: only a cached-clean entry writes D to memory.
          if (write && dOnWrite !== 0 && tlbDirty[entry] === 0) {
            if (code === 0) leaf8[tlbSlot[entry]] |= FD;
            else ent[tlbSlot[entry]] |= FD;
            tlbDirty[entry] = 1;
            mem++;
            dbw++;
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
          const ne = e | FA | (write ? dOnWrite : 0); // the flags sit alike in both forms
          if (ne !== e) {
            // one atomic A/D update of the leaf
            if (code === 0) leaf8[slot] = ne;
            else ent[slot] = ne;
            mem++;
            if ((ne & ~e & FD) !== 0) dbw++;
          }
          // The victim (LruTable.insert): the last way of the packed order, O(1).
          const o = order[set];
          const v = (o >>> lastShift) & 7;
          order[set] = ((o & belowLast) << 3) | v;
          const entry = base | v;
          tags[entry] = tag;
          tlbSlot[entry] = slot;
          tlbDirty[entry] = (ne & FD) !== 0 ? 1 : 0;
        }
        if (write && logOn) {
          if (inPage) log[pfn] |= logMask; // pfn < logPages: iova < limit
          else {
            logLast = Math.floor((iova + len - 1) * INV_PAGE);
            break; // translated; the outer loop marks its pages
          }
        }
      }
      if (i >= count) break;
      if (logLast >= 0) {
        // pages of a write that crossed a page inside its leaf
        for (let p = Math.floor(iovas[i] * INV_PAGE); p <= logLast; p++) log[p] |= logMask;
        logLast = -1;
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
    s.hits += hits;
    s.misses += misses;
    s.walkMemoryAccesses += mem;
    s.dirtyBitWrites += dbw;
  }
}
