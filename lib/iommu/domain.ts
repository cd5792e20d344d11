// An IOMMU domain (MODEL.md entities 2-6): the IO page table, the IOTLB that
// caches each leaf's Dirty state (Intel: "flush IOTLB to make sure IOMMU
// attempts to set the dirty bit again", FACTS §1), an optional walk cache,
// invalidations with their costs, and the iommufd dirty-tracking calls
// (IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP [+ NO_CLEAR])
// with the kernel's argument rules. dmaBatch is the simulator's hot path: one
// loop over typed arrays with its state in locals and no allocation per access.

import { formatSize, parseConfig, type RunConfig, type RunConfigInput } from "../config/mod.ts";
import { alignedCover, invalidateRange, TAG_CODES } from "./invalidation.ts";
import { Gather } from "./gather.ts";
import { IntervalSet } from "./intervals.ts";
import { HASH_MUL, INVALID_TAG, LruTable, PACKED_MAX_WAYS } from "./lru.ts";
import {
  BASE_PAGE,
  ENTRIES_PER_TABLE,
  F_A,
  F_D,
  levelOfSize,
  levelSize,
  PageTable,
  TABLE_BYTES,
} from "./page_table.ts";
import type { DirtyBitmapRequest, DmaBatch, Domain, IommuStats, LeafInfo } from "./types.ts";
import { encodePte, type Vendor, vendor as vendorByName } from "../hw/vendors.ts";

const GIB = 2 ** 30;
const INV_GIB = 1 / GIB;
const INV_PAGE = 1 / BASE_PAGE;
const U64_MAX = 2n ** 64n - 1n;

/** The kernel's errno for a rejected call, carried by IommuError. */
export type Errno = "EINVAL" | "EOVERFLOW" | "EEXIST" | "ENOENT";

/** A call the kernel would refuse; `errno` is what the ioctl would return. */
export class IommuError extends Error {
  constructor(readonly errno: Errno, message: string) {
    super(`${message} (${errno})`);
    this.name = "IommuError";
  }
}

/** A DMA to an IOVA with no translation: an IOMMU fault, not a silent drop. */
export class DmaFault extends Error {
  constructor(
    readonly iova: number,
    readonly write: boolean,
    message: string,
  ) {
    super(message);
    this.name = "DmaFault";
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;
const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && Number.isInteger(Math.log2(n));

// The low 32 bits of the vpn of tag code c (c = leaf level − 1) from the
// IOVA split as hi = IOVA >> 30 and lo = IOVA & (2^30 − 1): the set index.
function vpnLow(hi: number, lo: number, c: number): number {
  return c === 0
    ? (hi << 18) | (lo >>> 12)
    : c === 1
    ? (hi << 9) | (lo >>> 21)
    : hi >>> (9 * (c - 2));
}

// The exact vpn (up to 2^40), for the tag.
function vpnExact(hi: number, lo: number, c: number): number {
  return c === 0
    ? hi * 262144 + (lo >>> 12)
    : c === 1
    ? hi * 512 + (lo >>> 21)
    : hi >>> (9 * (c - 2));
}

/** Offset of IOVA (hi, lo) inside its leaf of tag code c (c <= 2: up to 1 GiB). */
function offsetInLeaf(hi: number, lo: number, c: number): number {
  if (c === 0) return lo & 0xfff;
  if (c === 1) return lo & 0x1fffff;
  if (c === 2) return lo;
  return (hi & ((1 << (9 * (c - 2))) - 1)) * GIB + lo;
}

/** Sets bits [b0, b1) of a little-endian bitmap (bit k = bit k&7 of byte k>>3). */
function setBits(bm: Uint8Array, b0: number, b1: number): void {
  while (b0 < b1 && b0 % 8 !== 0) {
    bm[Math.floor(b0 / 8)] |= 1 << (b0 % 8);
    b0++;
  }
  const fullEnd = b1 - (b1 % 8);
  if (b0 < fullEnd) {
    bm.fill(0xff, b0 / 8, fullEnd / 8);
    b0 = fullEnd;
  }
  while (b0 < b1) {
    bm[Math.floor(b0 / 8)] |= 1 << (b0 % 8);
    b0++;
  }
}

/**
 * Builds an empty domain (nothing mapped) from a partial run config, validated
 * and defaulted by the one schema. Uses `iommu` (vendor, IOTLB and walk-cache
 * geometry, costs), `guest.memory` (to size the table pool) and the clear-
 * batching policy `tracking.clearBatch` / `tracking.unsafeSkipFlush`.
 */
export function createDomain(config: RunConfigInput | RunConfig = {}): Domain {
  return new IommuDomain(parseConfig(config));
}

export class IommuDomain implements Domain {
  readonly config: RunConfig;
  readonly vendor: Vendor;
  private readonly pt: PageTable;
  private readonly tlb: LruTable;
  /** Per IOTLB entry: the slot of its leaf IOPTE and the cached D state. */
  private readonly tlbSlot: Int32Array;
  private readonly tlbDirty: Uint8Array;
  private readonly walkCache: LruTable | null;
  private readonly mapped = new IntervalSet();
  private readonly gather = new Gather();
  /** Tag codes (leaf level − 1) that have leaves now, ascending: what a lookup probes. */
  private codesInUse = new Int32Array(0);
  private readonly legalLevels: Set<number>;
  private readonly iotlbCodes: number[];
  private readonly walkCodes: number[];
  private readonly clearBatch: number | "round";
  private readonly unsafeSkipFlush: boolean;
  private readonly invalidationCostNs: number;
  private readonly waitCostNs: number;
  private tracking = false;
  /** Tests set this to run every access through the general path. */
  forceGeneralPath = false;
  private writeLog: Uint8Array | null = null;
  private writeLogMask = 0;
  private readonly scratch: DmaBatch = {
    iova: new Float64Array(1),
    length: new Uint32Array(1),
    write: new Uint8Array(1),
  };

  // Counters (stats() assembles them; pageTableBytes come from the table).
  private hits = 0;
  private misses = 0;
  private walkMemoryAccesses = 0;
  private dirtyBitWrites = 0;
  private invalidations = 0;
  private domainFlushes = 0;
  private invalidationNs = 0;

  constructor(config: RunConfig) {
    this.config = config;
    const v = vendorByName(config.iommu.vendor);
    this.vendor = v;
    // Size the pool for a 1:1 map of guest memory at the configured page size
    // (it grows past that on splits); at least a handful of tables.
    const leaves = Math.ceil(config.guest.memory / config.iommu.pageSize);
    const guess = Math.min(1 << 16, Math.ceil(leaves / ENTRIES_PER_TABLE) * 2 + 2 * v.levels + 8);
    this.pt = new PageTable(v.levels, guess, config.guest.memory);
    const { entries, ways } = config.iommu.iotlb;
    this.tlb = new LruTable(entries, ways);
    this.tlbSlot = new Int32Array(this.tlb.tags.length);
    this.tlbDirty = new Uint8Array(this.tlb.tags.length);
    const wc = config.iommu.walkCache;
    this.walkCache = wc.entries > 0 ? new LruTable(wc.entries, wc.ways) : null;
    this.legalLevels = new Set(v.pageSizes.map(levelOfSize));
    this.iotlbCodes = [...this.legalLevels].map((l) => l - 1).sort((a, b) => a - b);
    this.walkCodes = Array.from({ length: v.levels - 1 }, (_, i) => i + 1);
    this.clearBatch = config.tracking.clearBatch;
    this.unsafeSkipFlush = config.tracking.unsafeSkipFlush;
    this.invalidationCostNs = config.iommu.costs.invalidationNs;
    this.waitCostNs = config.iommu.costs.waitNs;
    // Runs the exit of dmaBatch before its loop is ever hot: a first call
    // that is compiled mid-loop (OSR) would otherwise deoptimize at the
    // counter write-back again and again (no type feedback there). Several
    // calls, since V8 allocates a function's feedback vector only after a few.
    for (let k = 0; k < 16; k++) this.dmaBatch(this.scratch, 0);
  }

  get dirtyTracking(): boolean {
    return this.tracking;
  }

  // --- mapping ---------------------------------------------------------------

  map(iova: number, length: number, pageSize: number): void {
    this.checkPageSize("map: pageSize", pageSize);
    this.checkRange("map", iova, length, pageSize);
    this.checkSpace("map", iova, length);
    if (this.mapped.overlaps(iova, iova + length)) {
      throw new IommuError(
        "EEXIST",
        `map: [${hex(iova)}, ${hex(iova + length)}) overlaps a mapped range`,
      );
    }
    this.pt.map(iova, iova + length, levelOfSize(pageSize));
    this.mapped.add(iova, iova + length, pageSize);
    this.structureChanged();
  }

  unmap(iova: number, length: number): void {
    this.checkRange("unmap", iova, length, BASE_PAGE);
    this.checkSpace("unmap", iova, length);
    const end = iova + length;
    const cut = this.pt.straddlingLeaf(iova, end);
    if (cut) {
      throw new IommuError(
        "EINVAL",
        `unmap: [${hex(iova)}, ${hex(end)}) cuts the ${formatSize(cut.sizeBytes)} leaf at ${
          hex(cut.iova)
        }; split it first`,
      );
    }
    if (!this.mapped.overlaps(iova, end)) {
      throw new IommuError("ENOENT", `unmap: nothing is mapped in [${hex(iova)}, ${hex(end)})`);
    }
    this.pt.unmap(iova, end, this.gather);
    this.flushGather();
    this.mapped.remove(iova, end);
    this.structureChanged();
  }

  split(iova: number, length: number, toPageSize: number): void {
    this.checkPageSize("split: toPageSize", toPageSize);
    this.checkRange("split", iova, length, toPageSize);
    this.checkSpace("split", iova, length);
    this.checkMapped("split", iova, length);
    this.pt.split(iova, iova + length, levelOfSize(toPageSize), this.gather);
    this.flushGather();
    this.structureChanged();
  }

  collapse(iova: number, length: number): void {
    this.checkRange("collapse", iova, length, BASE_PAGE);
    this.checkSpace("collapse", iova, length);
    // A collapse undoes splits: never a leaf above the size the range was mapped at.
    const legal = (level: number, leafIova: number) =>
      this.legalLevels.has(level) && levelSize(level) <= (this.mapped.valueAt(leafIova) ?? 0);
    this.pt.collapse(iova, iova + length, legal, this.gather);
    this.flushGather();
    this.structureChanged();
  }

  /** `size` (the argument `what` names) must be one of the vendor's leaf sizes. */
  private checkPageSize(what: string, size: number): void {
    const v = this.vendor;
    if (!v.pageSizes.includes(size)) {
      throw new IommuError(
        "EINVAL",
        `${what} ${formatSize(size)} is not a page size of vendor ${v.name}: ${
          v.pageSizes.map(formatSize).join(", ")
        }`,
      );
    }
  }

  /**
   * The range rules every call shares, in the kernel's order
   * (iommufd_check_iova_range): a positive length and a non-negative integer
   * iova (EINVAL), iova + length − 1 within 64 bits (EOVERFLOW), iova and
   * iova + length aligned to `align` (EINVAL; `alignName` says what it is).
   */
  private checkRange(
    what: string,
    iova: number,
    length: number,
    align: number,
    alignName = formatSize(align),
  ): void {
    if (!Number.isInteger(length) || length <= 0) {
      throw new IommuError("EINVAL", `${what}: length ${length} must be a positive integer`);
    }
    if (!Number.isInteger(iova) || iova < 0) {
      throw new IommuError("EINVAL", `${what}: iova ${iova} must be a non-negative integer`);
    }
    if (BigInt(iova) + BigInt(length) - 1n > U64_MAX) {
      throw new IommuError(
        "EOVERFLOW",
        `${what}: iova ${hex(iova)} + length ${hex(length)} − 1 overflows 64 bits`,
      );
    }
    this.checkAligned(what, iova, length, align, alignName);
  }

  private checkAligned(
    what: string,
    iova: number,
    length: number,
    align: number,
    alignName: string,
  ): void {
    if (iova % align !== 0 || length % align !== 0) {
      throw new IommuError(
        "EINVAL",
        `${what}: iova ${hex(iova)} and iova+length ${
          hex(iova + length)
        } must be aligned to ${alignName}`,
      );
    }
  }

  /** map, unmap, split, collapse: the range must lie in the IOVA space the levels cover. */
  private checkSpace(what: string, iova: number, length: number): void {
    if (iova + length > this.pt.vaLimit) {
      throw new IommuError(
        "EOVERFLOW",
        `${what}: [${hex(iova)}, ${hex(iova + length)}) is beyond the ${
          Math.log2(this.pt.vaLimit)
        }-bit IOVA space`,
      );
    }
  }

  private checkMapped(what: string, iova: number, length: number): void {
    if (!this.mapped.covers(iova, iova + length)) {
      throw new IommuError(
        "EINVAL",
        `${what}: [${hex(iova)}, ${hex(iova + length)}) is not wholly mapped`,
      );
    }
  }

  /** After leaves were added or removed: which leaf sizes a lookup must probe. */
  private structureChanged(): void {
    const codes: number[] = [];
    for (let l = 1; l <= this.pt.levels; l++) if (this.pt.leafCount[l] > 0) codes.push(l - 1);
    this.codesInUse = Int32Array.from(codes);
  }

  // --- invalidation ------------------------------------------------------------

  /** One page-selective descriptor for an aligned power-of-two range (no wait). */
  private invalidatePages(start: number, end: number): void {
    const cover = alignedCover(start, end);
    const coverEnd = cover.start + cover.size;
    invalidateRange(this.tlb, cover.start, coverEnd, this.iotlbCodes);
    if (this.walkCache) invalidateRange(this.walkCache, cover.start, coverEnd, this.walkCodes);
    this.invalidations++;
    this.invalidationNs += this.invalidationCostNs;
  }

  /** One descriptor per merged run of the gather, then one completion wait. */
  private flushGather(): void {
    const g = this.gather;
    if (g.runs === 0) return;
    for (let i = 0; i < g.runs; i++) this.invalidatePages(g.starts[i], g.ends[i]);
    this.invalidationNs += this.waitCostNs;
    g.clear();
  }

  flushDomain(): void {
    this.tlb.clear();
    this.walkCache?.clear();
    this.domainFlushes++;
    this.invalidationNs += this.invalidationCostNs + this.waitCostNs;
  }

  // --- DMA ---------------------------------------------------------------------

  attachWriteLog(log: Uint8Array | null, mask: number): void {
    if (log !== null && !(Number.isInteger(mask) && mask > 0 && mask <= 0xff)) {
      throw new Error(`attachWriteLog: mask ${mask} must be an integer in 1..255`);
    }
    this.writeLog = log;
    this.writeLogMask = log === null ? 0 : mask;
  }

  dma(iova: number, length: number, write: boolean): void {
    if (!(length >= 0 && length <= 0xffffffff)) {
      throw new RangeError(`dma: length ${length} is outside 0..2^32 − 1 bytes`);
    }
    const b = this.scratch;
    b.iova[0] = iova;
    b.length[0] = length;
    b.write[0] = write ? 1 : 0;
    this.dmaBatch(b, 1);
  }

  /**
   * The hot path. An access inside one leaf below the region directory's
   * limit runs inline with the state in locals (ENV-NOTES "Hot path in
   * Deno"), whatever the mix of leaf sizes and the IOTLB's associativity: the
   * directory names the IOVA's leaf and its level in one or two loads, and
   * since an IOVA has exactly one leaf, one IOTLB probe with that leaf's tag
   * (IOVA >> leaf shift, leaf size) is exact. Anything else (accesses that
   * cross leaves, IOVAs the directory does not know, faults) goes through
   * translate(), the general path, which probes every leaf size in use and
   * walks from the root; a property test checks that the two agree.
   *
   * The IOTLB updates here deliberately duplicate LruTable.lookup/touch/insert
   * (the packed recency order of up to 8 ways) for speed; the property test
   * keeps them equal to the general path's calls. Wider sets run the same
   * loop in dmaBatchWide (their own copy, so this one stays as small).
   */
  dmaBatch(batch: DmaBatch, count: number): void {
    const iovas = batch.iova;
    const lens = batch.length;
    const wr = batch.write;
    if (
      !(Number.isInteger(count) && count >= 0 && count <= iovas.length && count <= lens.length &&
        count <= wr.length)
    ) {
      throw new RangeError(`dmaBatch: count ${count} is outside the batch (${iovas.length})`);
    }
    if (!this.tlb.packed) {
      this.dmaBatchWide(batch, count);
      return;
    }
    const pt = this.pt;
    const ent = pt.ent; // no table is allocated during DMA, so the pools stay put
    const leaf8 = pt.leaf8; // 4 KiB leaves: a byte each (LEAF8 | W | A | D)
    const dir = pt.dir;
    const tlb = this.tlb;
    const tags = tlb.tags;
    const order = tlb.order;
    const ways = tlb.ways;
    const setMask = tlb.setMask;
    const lastShift = 3 * (ways - 1);
    const belowLast = (1 << lastShift) - 1;
    const tlbSlot = this.tlbSlot;
    const tlbDirty = this.tlbDirty;
    const log = this.writeLog;
    const logMask = this.writeLogMask;
    // IOVAs below `limit` have a 4 KiB page number (pfn) that fits an int32,
    // a region-directory entry and (if a log is attached) a log byte.
    const limit = this.forceGeneralPath
      ? 0
      : log === null
      ? pt.dirLimit
      : Math.min(pt.dirLimit, log.length * BASE_PAGE);
    const levels = pt.levels;
    const dOnWrite = this.tracking ? F_D : 0;
    const walkCache = this.walkCache;
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
          this.translate(iova, len, write); // the general path; it raises faults
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
              this.translate(iova, len, write); // no leaf here: the general path faults
            } else {
              misses++;
              mem += walkCache === null ? levels - code : this.walkReadsAt(iova, code + 1);
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
          else this.logWrite(iova, len);
        }
      }
    } finally {
      this.hits += hits;
      this.misses += misses;
      this.walkMemoryAccesses += mem;
      this.dirtyBitWrites += dbw;
    }
  }

  /**
   * dmaBatch for IOTLBs of more than 8 ways, the same loop with the wide
   * sets' structures inline: the tag hash probe (LruTable.hashFind), the move
   * to the head of the set's recency list (toFront) and, on a miss, the
   * victim at the list's tail with its tag's hash delete and the new tag's
   * insert (LruTable.insert). The caller has checked the batch.
   */
  private dmaBatchWide(batch: DmaBatch, count: number): void {
    const iovas = batch.iova;
    const lens = batch.length;
    const wr = batch.write;
    const pt = this.pt;
    const ent = pt.ent; // no table is allocated during DMA, so the pools stay put
    const leaf8 = pt.leaf8; // 4 KiB leaves: a byte each (LEAF8 | W | A | D)
    const dir = pt.dir;
    const tlb = this.tlb;
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
    const tlbSlot = this.tlbSlot;
    const tlbDirty = this.tlbDirty;
    const log = this.writeLog;
    const logMask = this.writeLogMask;
    // IOVAs below `limit` have a 4 KiB page number (pfn) that fits an int32,
    // a region-directory entry and (if a log is attached) a log byte.
    const limit = this.forceGeneralPath
      ? 0
      : log === null
      ? pt.dirLimit
      : Math.min(pt.dirLimit, log.length * BASE_PAGE);
    const levels = pt.levels;
    const dOnWrite = this.tracking ? F_D : 0;
    const walkCache = this.walkCache;
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
          this.translate(iova, len, write); // the general path; it raises faults
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
              this.translate(iova, len, write); // no leaf here: the general path faults
            } else {
              misses++;
              mem += walkCache === null ? levels - code : this.walkReadsAt(iova, code + 1);
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
          else this.logWrite(iova, len);
        }
      }
    } finally {
      this.hits += hits;
      this.misses += misses;
      this.walkMemoryAccesses += mem;
      this.dirtyBitWrites += dbw;
    }
  }

  /** Marks every 4 KiB page of a write in the write log. */
  private logWrite(iova: number, len: number): void {
    const log = this.writeLog!;
    const pLast = Math.floor((iova + len - 1) * INV_PAGE);
    if (pLast >= log.length) {
      throw new RangeError(
        `write log of ${log.length} pages is too short for a write at IOVA ${hex(iova)}`,
      );
    }
    for (let p = Math.floor(iova * INV_PAGE); p <= pLast; p++) log[p] |= this.writeLogMask;
  }

  /**
   * The general path of one access: one translation per leaf it touches, each
   * an IOTLB lookup over every leaf size in use (only the leaf's own size can
   * hit: invalidations keep no entry of a leaf that is gone), or a walk from
   * the root. No allocation unless it faults.
   */
  private translate(iova: number, len: number, write: boolean): void {
    const vaLimit = this.pt.vaLimit;
    const end = iova + len;
    if (!(iova >= 0 && len > 0 && end <= vaLimit && Math.floor(iova) === iova)) {
      throw new DmaFault(
        iova,
        write,
        `DMA fault: ${write ? "write" : "read"} of ${len} bytes at IOVA ${iova} is outside the ${
          Math.log2(vaLimit)
        }-bit IOVA space or empty`,
      );
    }
    const pt = this.pt;
    const tlb = this.tlb;
    const codes = this.codesInUse;
    const dOnWrite = this.tracking ? F_D : 0;
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
        this.hits++;
        if (write && dOnWrite !== 0 && this.tlbDirty[entry] === 0) {
          const slot = this.tlbSlot[entry];
          const e = pt.get(code + 1, slot);
          if (e >= 0) throw new Error(`IOTLB entry ${entry} points at a non-leaf slot`);
          pt.set(code + 1, slot, e | F_D);
          this.tlbDirty[entry] = 1;
          this.walkMemoryAccesses++;
          this.dirtyBitWrites++;
        }
      } else {
        const slot = pt.find(a);
        const level = pt.foundLevel;
        if (slot < 0) throw this.fault(a, write, iova, len, level);
        this.misses++;
        code = level - 1;
        this.walkMemoryAccesses += this.walkCache === null
          ? this.pt.levels - level + 1
          : this.walkReads(hi, lo, level);
        const e = pt.get(level, slot);
        const ne = e | F_A | (write ? dOnWrite : 0);
        if (ne !== e) {
          pt.set(level, slot, ne);
          this.walkMemoryAccesses++;
          if ((ne & ~e & F_D) !== 0) this.dirtyBitWrites++;
        }
        entry = tlb.insert(
          vpnLow(hi, lo, code) & tlb.setMask,
          vpnExact(hi, lo, code) * TAG_CODES + code,
        );
        this.tlbSlot[entry] = slot;
        this.tlbDirty[entry] = (ne & F_D) !== 0 ? 1 : 0;
      }
      const next = a - offsetInLeaf(hi, lo, code) + levelSize(code + 1);
      if (next >= end) break;
      a = next;
    }
  }

  private walkReadsAt(iova: number, leafLevel: number): number {
    const hi = Math.floor(iova * INV_GIB);
    return this.walkReads(hi, (iova - hi * GIB) | 0, leafLevel);
  }

  /**
   * Memory reads of a walk to a leaf at `leafLevel` with a walk cache: the
   * deepest cached non-leaf entry on the path saves the reads above it; the
   * entries read from memory are then cached.
   */
  private walkReads(hi: number, lo: number, leafLevel: number): number {
    const wc = this.walkCache!;
    const levels = this.pt.levels;
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

  private fault(at: number, write: boolean, iova: number, len: number, level: number): DmaFault {
    return new DmaFault(
      at,
      write,
      `DMA fault: ${write ? "write" : "read"} of ${len} bytes at IOVA ${hex(iova)}: IOVA ${
        hex(at)
      } is not mapped (no entry at page-table level ${level})`,
    );
  }

  // --- dirty tracking ------------------------------------------------------------

  setDirtyTracking(on: boolean): void {
    if (on === this.tracking) return; // enabling twice is a no-op (iommufd)
    // On enable the kernel first clears every D bit "to ensure a clean
    // snapshot" (iopt_clear_dirty_data), then switches the hardware on; one
    // flush makes cached entries pick up the new mode (FACTS §2).
    if (on) this.pt.clearAllDirty();
    this.tracking = on;
    this.flushDomain();
  }

  getDirtyBitmap(req: DirtyBitmapRequest): Uint8Array {
    const { iova, length, pageSize } = req;
    const what = "getDirtyBitmap";
    if (!isPow2(pageSize)) {
      throw new IommuError("EINVAL", `${what}: pageSize ${pageSize} is not a power of two`);
    }
    // iommufd_check_iova_range: EOVERFLOW only when iova + length − 1
    // overflows; a range not wholly mapped (also one beyond the IOVA space)
    // is EINVAL from the walk (__iommu_read_and_clear_dirty).
    this.checkRange(what, iova, length, BASE_PAGE, "the IOMMU page 4KiB");
    this.checkAligned(what, iova, length, pageSize, `pageSize ${formatSize(pageSize)}`);
    this.checkMapped(what, iova, length);
    const end = iova + length;
    if (!this.tracking) {
      throw new IommuError("EINVAL", `${what}: dirty tracking is off; call setDirtyTracking(true)`);
    }
    const bitmap = new Uint8Array(Math.ceil(length / pageSize / 8));
    const clear = !req.noClear;
    const invalidate = clear && !this.unsafeSkipFlush;
    const batch = this.clearBatch;
    const found: number[] | null = req.onDirtyLeaf ? [] : null;
    let cleared = 0;
    const oneBitLimit = 2 ** 31 * pageSize; // bit indexes below 2^31 fit int32 ops
    this.pt.scanDirty(iova, end, clear, (leafIova, leafSize) => {
      if (leafSize === pageSize && leafIova >= iova && leafIova - iova < oneBitLimit) {
        // The common case of a read at leaf granularity: one bit, no division loops.
        const k = (leafIova - iova) / pageSize;
        bitmap[k >> 3] |= 1 << (k & 7);
      } else {
        const b0 = Math.floor((Math.max(leafIova, iova) - iova) / pageSize);
        const b1 = Math.ceil((Math.min(leafIova + leafSize, end) - iova) / pageSize);
        setBits(bitmap, b0, b1);
      }
      found?.push(leafIova, leafSize);
      if (!invalidate) return;
      cleared++;
      if (batch === "round") return;
      this.gather.add(leafIova, leafIova + leafSize);
      if (this.gather.added >= batch) this.flushGather();
    });
    if (invalidate) {
      if (batch === "round") {
        if (cleared > 0) this.flushDomain();
      } else this.flushGather();
    }
    if (found) {
      for (let i = 0; i < found.length; i += 2) {
        req.onDirtyLeaf!(found[i], found[i + 1]);
      }
    }
    return bitmap;
  }

  // --- inspection ------------------------------------------------------------------

  stats(): IommuStats {
    return {
      translations: this.hits + this.misses,
      iotlbHits: this.hits,
      iotlbMisses: this.misses,
      walkMemoryAccesses: this.walkMemoryAccesses,
      dirtyBitWrites: this.dirtyBitWrites,
      invalidations: this.invalidations,
      domainFlushes: this.domainFlushes,
      invalidationNs: this.invalidationNs,
      splits: this.pt.splits,
      collapses: this.pt.collapses,
      pageTableBytes: this.pt.tables * TABLE_BYTES,
      pageTableBytesPeak: this.pt.tablesPeak * TABLE_BYTES,
    };
  }

  lookup(iova: number): LeafInfo | null {
    return this.pt.leafInfo(iova);
  }

  leaves(iova = 0, length = this.pt.vaLimit - iova): Iterable<LeafInfo> {
    return this.pt.leaves(iova, iova + length);
  }

  readPte(iova: number): bigint | null {
    const leaf = this.pt.leafInfo(iova);
    if (!leaf) return null;
    return encodePte(this.vendor, {
      present: true,
      writable: leaf.writable,
      accessed: leaf.accessed,
      dirty: leaf.dirty,
      address: leaf.iova, // 1:1: the output address is the IOVA
      sizeBytes: leaf.sizeBytes,
    });
  }
}
