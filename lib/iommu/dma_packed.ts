// The hot path for IOTLBs of up to 8 ways (MODEL.md §3; ENV-NOTES "Hot path
// in Deno"): one loop over a DMA batch with its state in locals and nothing
// allocated per access; the region directory names an IOVA's one leaf, so one
// probe of that leaf's tag is exact, and the set's packed recency order finds
// a hit's place and a miss's victim in O(1). The rest goes the general path.

import { setBits } from "./dirty_read.ts";
import { checkBatch, type DmaState, fastLimit } from "./dma_state.ts";
import { logWrite, translate, walkReadsAt } from "./general_path.ts";
import { HASH_MUL, PACKED_MAX_WAYS } from "./lru.ts";
import { BASE_PAGE, F_A, F_D } from "./page_table.ts";
import { TAG_CODES } from "./tags.ts";
import type { DmaBatch } from "./types.ts";

const NO_LOG = new Uint8Array(0);

// The loop spells these constants out: V8 folds a literal, but reloads an
// imported binding (or a module-level const) from its cell at every use.
if (
  BASE_PAGE !== 4096 || PACKED_MAX_WAYS !== 8 || TAG_CODES !== 8 || F_A !== 2 || F_D !== 4 ||
  HASH_MUL !== -1640531535
) {
  throw new Error("dma_packed.ts: its constants disagree with page_table.ts, lru.ts or tags.ts");
}

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
  const order = tlb.order;
  const fps = tlb.fingerprints;
  const setMask = tlb.setMask | 0;
  const lastShift = (3 * (tlb.ways - 1)) | 0;
  const belowLast = (1 << lastShift) - 1;
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
    order.length * 8 !== tags.length || fps.length !== 2 * order.length ||
    (dir.length | ent.length | leaf8.length) < 0
  ) {
    throw new Error("dmaPacked: the IOTLB's arrays disagree in length");
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
        const base = set << 3; // 8 tag slots a set; unused ones never match; base | k = base + k
        // The set's fingerprints (LruTable.fingerprints) rule a miss out in a
        // few word operations: a way can hold the tag only where a byte of
        // the two words equals the tag's fingerprint (a zero byte of x).
        const f = Math.imul((vpn << 3) | code, -1640531535) >>> 24; // fingerprint(tag), of its low 32 bits
        const rep = Math.imul(f, 0x01010101);
        const x0 = fps[set << 1] ^ rep;
        const x1 = fps[(set << 1) | 1] ^ rep;
        const z0 = ((x0 - 0x01010101) | 0) & ~x0 & 0x80808080;
        const z1 = ((x1 - 0x01010101) | 0) & ~x1 & 0x80808080;
        let w = -1;
        if ((z0 | z1) !== 0) {
          // The lowest flagged byte is a true match of the fingerprint: most
          // often the way; else (another tag, same fingerprint) all 8 ways.
          const c = z0 !== 0
            ? (31 - Math.clz32(z0 & ((0 - z0) | 0))) >>> 3
            : 4 + ((31 - Math.clz32(z1 & ((0 - z1) | 0))) >>> 3);
          w = tags[base | c] === tag
            ? c
            : tags[base] === tag
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
        }
        if (w >= 0) {
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
          // The victim (LruTable.insert): the last way of the packed order, O(1).
          const o = order[set];
          const v = (o >>> lastShift) & 7;
          order[set] = ((o & belowLast) << 3) | v;
          const entry = base | v;
          tags[entry] = tag;
          const fi = (set << 1) | (v >> 2);
          const at = (v & 3) << 3;
          fps[fi] = (fps[fi] & ~(0xff << at)) | (f << at);
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
