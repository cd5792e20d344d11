// An IOMMU domain (MODEL.md entities 2-6): the IO page table, the IOTLB that
// caches each leaf's Dirty state (so a clear needs a flush, FACTS §1), a walk
// cache, invalidations with costs and the iommufd dirty-tracking calls. Built
// from what it models (vendor, geometry, costs, clear policy), it composes one
// file per concern: checks, DMA paths, dirty read, invalidator, page table.

import { encodePte, type Vendor, vendor as vendorByName, type VendorName } from "../hw/mod.ts";
import { formatSize } from "../units/mod.ts";
import { type ClearFlusher, type ClearPolicy, createClearFlusher } from "./clear_policy.ts";
import { type DirtyReadCounts, readDirtyBitmap } from "./dirty_read.ts";
import { dmaPacked } from "./dma_packed.ts";
import { DmaState } from "./dma_state.ts";
import { warmUpDmaLoops } from "./dma_warm.ts";
import { dmaWide } from "./dma_wide.ts";
import { checkMapped, checkPageSize, checkRange, checkSpace, hex, IommuError } from "./errors.ts";
import { Gather } from "./gather.ts";
import { IntervalSet } from "./intervals.ts";
import { type InvalidationCosts, Invalidator } from "./invalidator.ts";
import { LruTable } from "./lru.ts";
import {
  BASE_PAGE,
  ENTRIES_PER_TABLE,
  levelOfSize,
  levelSize,
  PageTable,
  TABLE_BYTES,
} from "./page_table.ts";
import type { DirtyBitmapRequest, DmaBatch, Domain, IommuStats, LeafInfo } from "./types.ts";

/** Entries and associativity of a set-associative LRU cache (ways = entries: fully associative). */
export interface CacheGeometry {
  entries: number;
  ways: number;
}

/** Everything a domain models; no default here (the run config's schema holds them). */
export interface DomainOptions {
  /** A vendor record, or the name of one (lib/hw). */
  vendor: VendorName | Vendor;
  iotlb: CacheGeometry;
  /** Paging-structure cache; 0 entries is none. */
  walkCache: CacheGeometry;
  costs: InvalidationCosts;
  /** How a dirty read invalidates what it cleared. */
  clear: ClearPolicy;
  /**
   * The 1:1 map the domain will hold, if known: it sizes the table pool and
   * the hot path's region directory over [0, lengthBytes). Without it every
   * DMA takes the general path (same results, slower).
   */
  reserve?: { lengthBytes: number; pageSize: number };
}

/** An empty domain (nothing mapped). */
export function createDomain(options: DomainOptions): Domain {
  return new IommuDomain(options);
}

export class IommuDomain implements Domain {
  readonly vendor: Vendor;
  private readonly pt: PageTable;
  private readonly state: DmaState;
  private readonly packed: boolean;
  private readonly invalidator: Invalidator;
  private readonly flusher: ClearFlusher;
  private readonly mapped = new IntervalSet();
  private readonly gather = new Gather();
  private readonly reads: DirtyReadCounts = { reads: 0, entries: 0, dirtyLeaves: 0, windows: 0 };
  private readonly legalLevels: Set<number>;
  private readonly scratch: DmaBatch = {
    iova: new Float64Array(1),
    length: new Uint32Array(1),
    write: new Uint8Array(1),
  };

  constructor(options: DomainOptions) {
    const v = typeof options.vendor === "string" ? vendorByName(options.vendor) : options.vendor;
    this.vendor = v;
    // Size the pool for the expected map (it grows past that on splits); at
    // least a handful of tables.
    const r = options.reserve ?? { lengthBytes: 0, pageSize: BASE_PAGE };
    const leaves = Math.ceil(r.lengthBytes / r.pageSize);
    const guess = Math.min(1 << 16, Math.ceil(leaves / ENTRIES_PER_TABLE) * 2 + 2 * v.levels + 8);
    this.pt = new PageTable(v.levels, guess, r.lengthBytes);
    const tlb = new LruTable(options.iotlb.entries, options.iotlb.ways);
    const wc = options.walkCache;
    const walkCache = wc.entries > 0 ? new LruTable(wc.entries, wc.ways) : null;
    this.state = new DmaState(this.pt, tlb, walkCache);
    this.legalLevels = new Set(v.pageSizes.map(levelOfSize));
    const iotlbCodes = [...this.legalLevels].map((l) => l - 1).sort((a, b) => a - b);
    const walkCodes = Array.from({ length: v.levels - 1 }, (_, i) => i + 1);
    this.invalidator = new Invalidator(tlb, walkCache, iotlbCodes, walkCodes, options.costs);
    this.flusher = createClearFlusher(options.clear, { queue: this.invalidator, vendor: v });
    this.packed = tlb.packed;
    // Runs the exit of the hot loop before it is ever hot: a first call
    // that is compiled mid-loop (OSR) would otherwise deoptimize at the
    // counter write-back again and again (no type feedback there). Several
    // calls, since V8 allocates a function's feedback vector only after a few.
    for (let k = 0; k < 16; k++) this.dmaBatch(this.scratch, 0);
    warmUpDmaLoops(); // and every path of them, once a process (dma_warm.ts)
  }

  get dirtyTracking(): boolean {
    return this.state.tracking;
  }

  /** Tests and the naive benchmark set this to run every access through the general path. */
  get forceGeneralPath(): boolean {
    return this.state.forceGeneralPath;
  }

  set forceGeneralPath(on: boolean) {
    this.state.forceGeneralPath = on;
  }

  // --- mapping ---------------------------------------------------------------

  map(iova: number, length: number, pageSize: number): void {
    checkPageSize(this.vendor, "map: pageSize", pageSize);
    checkRange("map", iova, length, pageSize);
    checkSpace("map", iova, length, this.pt.vaLimit);
    if (this.mapped.overlaps(iova, iova + length)) {
      throw new IommuError(
        "EEXIST",
        `map: [${hex(iova)}, ${hex(iova + length)}) overlaps a mapped range`,
      );
    }
    this.pt.map(iova, iova + length, levelOfSize(pageSize));
    this.mapped.add(iova, iova + length, pageSize);
    this.state.structureChanged();
  }

  unmap(iova: number, length: number): void {
    checkRange("unmap", iova, length, BASE_PAGE);
    checkSpace("unmap", iova, length, this.pt.vaLimit);
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
    this.invalidator.flushGather(this.gather);
    this.mapped.remove(iova, end);
    this.state.structureChanged();
  }

  split(iova: number, length: number, toPageSize: number): void {
    checkPageSize(this.vendor, "split: toPageSize", toPageSize);
    checkRange("split", iova, length, toPageSize);
    checkSpace("split", iova, length, this.pt.vaLimit);
    checkMapped(this.mapped, "split", iova, length);
    this.pt.split(iova, iova + length, levelOfSize(toPageSize), this.gather);
    this.invalidator.flushGather(this.gather);
    this.state.structureChanged();
  }

  collapse(iova: number, length: number): void {
    checkRange("collapse", iova, length, BASE_PAGE);
    checkSpace("collapse", iova, length, this.pt.vaLimit);
    // A collapse undoes splits: never a leaf above the size the range was mapped at.
    const legal = (level: number, leafIova: number) =>
      this.legalLevels.has(level) && levelSize(level) <= (this.mapped.valueAt(leafIova) ?? 0);
    this.pt.collapse(iova, iova + length, legal, this.gather);
    this.invalidator.flushGather(this.gather);
    this.state.structureChanged();
  }

  flushDomain(): void {
    this.invalidator.flushDomain();
  }

  // --- DMA ---------------------------------------------------------------------

  attachWriteLog(bitmap: Uint8Array | null): void {
    this.state.writeLog = bitmap;
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

  /** The hot path: dma_packed.ts for sets of up to 8 ways, dma_wide.ts above. */
  dmaBatch(batch: DmaBatch, count: number): void {
    if (this.packed) dmaPacked(this.state, batch, count);
    else dmaWide(this.state, batch, count);
  }

  // --- dirty tracking ------------------------------------------------------------

  setDirtyTracking(on: boolean): void {
    if (on === this.state.tracking) return; // enabling twice is a no-op (iommufd)
    // On enable the kernel first clears every D bit "to ensure a clean
    // snapshot" (iopt_clear_dirty_data), then switches the hardware on; one
    // flush makes cached entries pick up the new mode (FACTS §2).
    if (on) this.pt.clearAllDirty();
    this.state.tracking = on;
    this.invalidator.flushDomain();
  }

  getDirtyBitmap(req: DirtyBitmapRequest): Uint8Array {
    return readDirtyBitmap({
      pt: this.pt,
      mapped: this.mapped,
      tracking: this.state.tracking,
      flusher: this.flusher,
      walk: this.vendor.dirtyWalk,
      counts: this.reads,
    }, req);
  }

  // --- inspection ------------------------------------------------------------------

  stats(): IommuStats {
    const s = this.state;
    const inv = this.invalidator;
    return {
      translations: s.hits + s.misses,
      iotlbHits: s.hits,
      iotlbMisses: s.misses,
      walkMemoryAccesses: s.walkMemoryAccesses,
      dirtyBitWrites: s.dirtyBitWrites,
      invalidations: inv.invalidations,
      domainFlushes: inv.domainFlushes,
      invalidationNs: inv.invalidationNs,
      splits: this.pt.splits,
      collapses: this.pt.collapses,
      pageTableBytes: this.pt.tables * TABLE_BYTES,
      pageTableBytesPeak: this.pt.tablesPeak * TABLE_BYTES,
      dirtyReads: this.reads.reads,
      dirtyReadEntries: this.reads.entries,
      dirtyReadDirtyLeaves: this.reads.dirtyLeaves,
      dirtyReadWindows: this.reads.windows,
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
