// The IO page table (MODEL.md §2): a radix tree of 4 KiB table pages, 512
// entries a level, leaves at the level of their page size, as in Linux
// io-pgtable-arm.c / amd io_pgtable.c / intel iommu.c. What split, collapse
// and unmap change it records into a Gather; the caller pays for the
// invalidation (STYLE: state apart from cost).

import type { Gather } from "./gather.ts";
import type { LeafInfo } from "./types.ts";

export const BASE_SHIFT = 12;
/** Bytes of IOVA per region-directory entry (one level-2 entry). */
const REGION = 2 ** 21;
export const BASE_PAGE = 4096;
export const LEVEL_BITS = 9;
export const ENTRIES_PER_TABLE = 512;
/** Bytes of one table page. */
export const TABLE_BYTES = 4096;

/** Leaf marker in the Int32 form: the sign bit, so every leaf slot is negative. */
export const LEAF = 1 << 31;
/** Leaf marker in a level-1 byte. */
export const LEAF8 = 0x80;
export const F_W = 1;
export const F_A = 2;
export const F_D = 4;
const FLAGS = F_W | F_A | F_D;

/** Bits of IOVA below a level's entries: level 1 (4 KiB leaves) is 12. */
export function levelShift(level: number): number {
  return BASE_SHIFT + LEVEL_BITS * (level - 1);
}

/** Bytes one entry of a level maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB, ... */
export function levelSize(level: number): number {
  return 2 ** levelShift(level);
}

/** The level whose entries map `size` bytes, or 0 if none does. */
export function levelOfSize(size: number): number {
  for (let l = 1; l <= 6; l++) if (levelSize(l) === size) return l;
  return 0;
}

/**
 * A negative region-directory value: the entry in `slot` of the Int32 pool at
 * `level` (2 or 3). Decode with dirSlot / dirLevel (the hot path inlines them).
 */
export function dirEntry(slot: number, level: number): number {
  return ~(slot * 2 + (level - 2));
}

/** The Int32-pool slot of a negative directory value. */
export function dirSlot(dv: number): number {
  return ~dv >>> 1;
}

/** The level (2 or 3) of the entry a negative directory value names. */
export function dirLevel(dv: number): number {
  return 2 + (~dv & 1);
}

/** Index of `iova`'s entry in its table at `level`. */
export function indexAt(iova: number, level: number): number {
  return Math.floor(iova / levelSize(level)) % ENTRIES_PER_TABLE;
}

/** Table pages of one kind: table t owns data[t*512 .. t*512+511]; t = 0 is never used. */
class Pool<A extends Int32Array | Uint8Array> {
  data: A;
  count = 0;
  private capacity: number;
  private nextFresh = 1;
  private readonly freeList: number[] = [];

  constructor(
    private readonly make: (n: number) => A,
    initialTables: number,
    private readonly maxSlots: number,
  ) {
    this.capacity = Math.max(2, initialTables);
    this.data = make(this.capacity * ENTRIES_PER_TABLE);
  }

  /** A table page with every slot `fill`. May replace `data`. */
  alloc(fill: number): number {
    let t = this.freeList.pop();
    if (t === undefined) {
      if (this.nextFresh >= this.capacity) this.grow();
      t = this.nextFresh++;
    }
    this.data.fill(fill, t * ENTRIES_PER_TABLE, (t + 1) * ENTRIES_PER_TABLE);
    this.count++;
    return t;
  }

  release(t: number): void {
    this.freeList.push(t);
    this.count--;
  }

  private grow(): void {
    const cap = Math.ceil(this.capacity * 1.5) + 16;
    if (cap * ENTRIES_PER_TABLE > this.maxSlots) {
      throw new Error(`PageTable: more than ${this.capacity} table pages of a kind (model limit)`);
    }
    const next = this.make(cap * ENTRIES_PER_TABLE);
    next.set(this.data);
    this.data = next;
    this.capacity = cap;
  }
}

/**
 * Tables live in two pools (512 slots a table, freed tables reused), so a
 * 4 TiB guest with millions of 4 KiB leaves stays compact: level-1 tables
 * (4 KiB leaves only) in a Uint8Array, a byte a leaf (0 or LEAF8 | W | A | D);
 * higher tables in an Int32Array whose slots hold 0 (not present), a child
 * table index (> 0) or a leaf (< 0: LEAF | W | A | D). get()/set() show both
 * as the Int32 form.
 *
 * For the DMA hot path the table also keeps a region directory, one Int32 a
 * 2 MiB of IOVA: the 4 KiB table under that region, or the slot of the entry
 * (2 MiB, else 1 GiB) that maps it, with that entry's level, so the hot path
 * learns the leaf size of an IOVA from it too. It is the simulator's own
 * shortcut, not a modelled cache: a walk still costs one memory access a
 * level in the counters; the directory only saves the simulator the
 * dependent loads of the upper levels. Every change of a table at level 1 to
 * 3 goes through attach/detach (and a 1 GiB leaf's map through mapIn), which
 * keep it.
 */
export class PageTable {
  readonly levels: number;
  /** Exclusive end of the IOVA space the levels cover (2^48 for 4 levels). */
  readonly vaLimit: number;
  readonly root: number;
  /** Highest live table count seen. */
  tablesPeak = 0;
  /** Leaves per level (index = level). */
  readonly leafCount: number[];
  splits = 0;
  collapses = 0;
  /** The level find() ended at. */
  foundLevel = 0;
  /**
   * Region directory, indexed by IOVA >> 21 below `dirLimit` (at most 2^43, so
   * a 4 KiB page number fits an int32): > 0 the level-1 table of that 2 MiB
   * region; < 0 dirEntry(slot, level) of the deepest entry above it that is
   * not a table (the level-2 entry, or the level-3 one where no level-2 table
   * exists), in the Int32 pool; 0 not known (walk from the root).
   */
  readonly dir: Int32Array;
  readonly dirLimit: number;
  private readonly upper: Pool<Int32Array>;
  private readonly lower: Pool<Uint8Array>;

  /**
   * `initialTables`: level-1 tables to reserve room for; `directorySpan`:
   * IOVA bytes from 0 that the region directory covers.
   */
  constructor(levels: number, initialTables = 64, directorySpan = 0) {
    if (!Number.isInteger(levels) || levels < 2 || levels > 5) {
      throw new Error(`PageTable: ${levels} levels is outside 2..5`);
    }
    this.levels = levels;
    this.vaLimit = levelSize(levels) * ENTRIES_PER_TABLE;
    const regions = Math.ceil(Math.min(directorySpan, this.vaLimit, 2 ** 43) / levelSize(3)) *
      ENTRIES_PER_TABLE;
    this.dir = new Int32Array(regions);
    this.dirLimit = regions * levelSize(2);
    // Int32-pool slots stay below 2^30 so dirEntry fits an int32.
    this.upper = new Pool(
      (n) => new Int32Array(n),
      Math.ceil(initialTables / 256) + 2 * levels,
      2 ** 30 - 1,
    );
    this.lower = new Pool((n) => new Uint8Array(n), initialTables, 2 ** 31 - 1);
    this.leafCount = new Array(levels + 1).fill(0);
    this.root = this.alloc(levels);
  }

  /** The Int32 pool: tables of level 2 and up. Replaced when it grows. */
  get ent(): Int32Array {
    return this.upper.data;
  }

  /** The byte pool: level-1 tables. Replaced when it grows. */
  get leaf8(): Uint8Array {
    return this.lower.data;
  }

  /** Live table pages, root included. */
  get tables(): number {
    return this.upper.count + this.lower.count;
  }

  /** The entry in `slot` of a table at `level`, in the Int32 form. */
  get(level: number, slot: number): number {
    if (level !== 1) return this.upper.data[slot];
    const b = this.lower.data[slot];
    return b === 0 ? 0 : LEAF | (b & FLAGS);
  }

  /** Writes an entry given in the Int32 form (a level-1 entry is a leaf or 0). */
  set(level: number, slot: number, value: number): void {
    if (level !== 1) this.upper.data[slot] = value;
    else this.lower.data[slot] = value === 0 ? 0 : LEAF8 | (value & FLAGS);
  }

  private alloc(level: number, leafFill = 0): number {
    const t = level === 1
      ? this.lower.alloc(leafFill && LEAF8 | (leafFill & FLAGS))
      : this.upper.alloc(leafFill);
    if (this.tables > this.tablesPeak) this.tablesPeak = this.tables;
    return t;
  }

  /** Puts table `child` (at `childLevel`, mapping from `base`) into `slot` of its parent. */
  private attach(slot: number, child: number, childLevel: number, base: number): void {
    this.upper.data[slot] = child;
    if (base >= this.dirLimit) return;
    const r = base / REGION;
    if (childLevel === 1) this.dir[r] = child;
    else if (childLevel === 2) {
      for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
        this.dir[r + i] = dirEntry(child * ENTRIES_PER_TABLE + i, 2);
      }
    }
  }

  /** Replaces the table in `slot` (at `childLevel`, from `base`) by `value` and frees it. */
  private detach(slot: number, childLevel: number, base: number, value: number): void {
    const child = this.upper.data[slot];
    this.upper.data[slot] = value;
    if (childLevel === 1) this.lower.release(child);
    else this.upper.release(child);
    if (base >= this.dirLimit) return;
    const r = base / REGION;
    if (childLevel === 1) this.dir[r] = dirEntry(slot, 2);
    else if (childLevel === 2) this.dir.fill(dirEntry(slot, 3), r, r + ENTRIES_PER_TABLE);
    else this.dir.fill(0, r, r + levelSize(childLevel + 1) / REGION); // slots in it go stale
  }

  /**
   * The slot of the leaf that translates `iova`, or −1 (not mapped). Sets
   * `foundLevel` to the leaf's level, or to the level where the walk found no
   * entry (0 outside the IOVA space): no object per call, for the DMA path.
   */
  find(iova: number): number {
    if (!(iova >= 0 && iova < this.vaLimit)) {
      this.foundLevel = 0;
      return -1;
    }
    let t = this.root;
    for (let l = this.levels; l >= 1; l--) {
      const slot = t * ENTRIES_PER_TABLE + indexAt(iova, l);
      const e = this.get(l, slot);
      this.foundLevel = l;
      if (e === 0) return -1;
      if (e < 0) return slot;
      t = e;
    }
    throw new Error(`PageTable: no leaf below level 1 at ${iova}`);
  }

  leafInfo(iova: number): LeafInfo | null {
    const slot = this.find(iova);
    const level = this.foundLevel;
    if (slot < 0) return null;
    const size = levelSize(level);
    return info(Math.floor(iova / size) * size, level, this.get(level, slot));
  }

  /** Maps [start, end) with writable leaves at `leafLevel`; the range is free. */
  map(start: number, end: number, leafLevel: number): void {
    this.mapIn(this.root, this.levels, 0, start, end, leafLevel);
  }

  private mapIn(t: number, l: number, base: number, start: number, end: number, leaf: number) {
    const size = levelSize(l);
    const i0 = Math.floor((start - base) / size);
    const i1 = Math.ceil((end - base) / size);
    if (l === 1) {
      // 4 KiB leaves: a byte each, the range of this table in one fill.
      const from = t * ENTRIES_PER_TABLE;
      const leaf8 = this.lower.data;
      let i = i0;
      while (i < i1 && leaf8[from + i] === 0) i++;
      leaf8.fill(LEAF8 | F_W, from + i0, from + i);
      this.leafCount[1] += i - i0;
      if (i < i1) throw new Error(`PageTable: map over a present entry`);
      return;
    }
    for (let i = i0; i < i1; i++) {
      const slot = t * ENTRIES_PER_TABLE + i;
      const eStart = base + i * size;
      if (l === leaf) {
        if (this.get(l, slot) !== 0) throw new Error(`PageTable: map over a present entry`);
        this.set(l, slot, LEAF | F_W);
        this.leafCount[l]++;
        if (l === 3 && eStart < this.dirLimit) {
          const r = eStart / REGION;
          this.dir.fill(dirEntry(slot, 3), r, r + ENTRIES_PER_TABLE);
        }
        continue;
      }
      let child = this.upper.data[slot];
      if (child < 0) throw new Error(`PageTable: map under a present leaf`);
      if (child === 0) {
        child = this.alloc(l - 1);
        this.attach(slot, child, l - 1, eStart);
      }
      this.mapIn(child, l - 1, eStart, Math.max(start, eStart), Math.min(end, eStart + size), leaf);
    }
  }

  /** A leaf that starts before `start` or ends after `end` while overlapping it. */
  straddlingLeaf(start: number, end: number): LeafInfo | null {
    for (const at of [start, end - BASE_PAGE]) {
      const leaf = this.leafInfo(at);
      if (leaf && (leaf.iova < start || leaf.iova + leaf.sizeBytes > end)) return leaf;
    }
    return null;
  }

  /**
   * Removes every leaf inside [start, end) (none may straddle it), frees
   * tables left empty and gathers the removed ranges. Returns bytes unmapped.
   */
  unmap(start: number, end: number, gather: Gather): number {
    return this.unmapIn(this.root, this.levels, 0, start, end, gather);
  }

  private unmapIn(t: number, l: number, base: number, start: number, end: number, g: Gather) {
    const size = levelSize(l);
    const i0 = Math.floor((start - base) / size);
    const i1 = Math.ceil((end - base) / size);
    let removed = 0;
    for (let i = i0; i < i1; i++) {
      const slot = t * ENTRIES_PER_TABLE + i;
      const e = this.get(l, slot);
      if (e === 0) continue;
      const eStart = base + i * size;
      if (e < 0) {
        if (eStart < start || eStart + size > end) {
          throw new Error(`PageTable: unmap would cut the leaf at ${eStart}`);
        }
        this.set(l, slot, 0);
        this.leafCount[l]--;
        g.add(eStart, eStart + size);
        removed += size;
        continue;
      }
      removed += this.unmapIn(
        e,
        l - 1,
        eStart,
        Math.max(start, eStart),
        Math.min(end, eStart + size),
        g,
      );
      if (this.isEmpty(e, l - 1)) this.detach(slot, l - 1, eStart, 0);
    }
    return removed;
  }

  private isEmpty(t: number, level: number): boolean {
    const data = level === 1 ? this.lower.data : this.upper.data;
    const from = t * ENTRIES_PER_TABLE;
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) if (data[from + i] !== 0) return false;
    return true;
  }

  /**
   * Splits every leaf that overlaps [start, end) and is above `toLevel` until
   * the leaves there are at `toLevel`; children inherit W, A and D. The range
   * of each leaf that existed before the call and was split goes into the
   * gather (its translation may be cached); the children a split creates and
   * splits again further down were never translated, so they are not gathered.
   */
  split(start: number, end: number, toLevel: number, gather: Gather): void {
    this.splitIn(this.root, this.levels, 0, start, end, toLevel, gather, false);
  }

  private splitIn(
    t: number,
    l: number,
    base: number,
    start: number,
    end: number,
    to: number,
    g: Gather,
    fresh: boolean,
  ): void {
    if (l <= to) return;
    const size = levelSize(l);
    const i0 = Math.floor((start - base) / size);
    const i1 = Math.ceil((end - base) / size);
    for (let i = i0; i < i1; i++) {
      const slot = t * ENTRIES_PER_TABLE + i;
      let e = this.upper.data[slot];
      if (e === 0) continue;
      const eStart = base + i * size;
      const wasLeaf = e < 0;
      if (wasLeaf) {
        e = this.splitLeaf(slot, l, eStart);
        if (!fresh) g.add(eStart, eStart + size);
      }
      if (l - 1 > to) {
        this.splitIn(
          e,
          l - 1,
          eStart,
          Math.max(start, eStart),
          Math.min(end, eStart + size),
          to,
          g,
          fresh || wasLeaf,
        );
      }
    }
  }

  /** Replaces the leaf in `slot` (at `level` >= 2, from `base`) by a table of 512 children. */
  private splitLeaf(slot: number, level: number, base: number): number {
    const flags = this.upper.data[slot] & FLAGS;
    const child = this.alloc(level - 1, LEAF | flags);
    this.attach(slot, child, level - 1, base);
    this.leafCount[level]--;
    this.leafCount[level - 1] += ENTRIES_PER_TABLE;
    this.splits++;
    return child;
  }

  /**
   * Collapses, bottom-up, every table that lies wholly inside [start, end)
   * and holds 512 leaves of one permission into one leaf one level up
   * (A and D = OR of the children), where `legal(level, leafIova)` allows it.
   * Each new leaf's range goes into the gather; when it swallows leaves this
   * call made further down, the gather absorbs their runs into it, so each
   * old translation is invalidated once.
   */
  collapse(
    start: number,
    end: number,
    legal: (level: number, leafIova: number) => boolean,
    gather: Gather,
  ): void {
    this.collapseIn(this.root, this.levels, 0, start, end, legal, gather);
  }

  private collapseIn(
    t: number,
    l: number,
    base: number,
    start: number,
    end: number,
    legal: (level: number, leafIova: number) => boolean,
    g: Gather,
  ): void {
    const size = levelSize(l);
    const i0 = Math.floor((start - base) / size);
    const i1 = Math.ceil((end - base) / size);
    for (let i = i0; i < i1; i++) {
      const slot = t * ENTRIES_PER_TABLE + i;
      const child = this.upper.data[slot];
      if (child <= 0) continue;
      const eStart = base + i * size;
      if (l - 1 > 1) {
        this.collapseIn(
          child,
          l - 1,
          eStart,
          Math.max(start, eStart),
          Math.min(end, eStart + size),
          legal,
          g,
        );
      }
      if (eStart < start || eStart + size > end || !legal(l, eStart)) continue;
      const flags = this.uniformLeafFlags(child, l - 1);
      if (flags < 0) continue;
      this.detach(slot, l - 1, eStart, LEAF | flags);
      this.leafCount[l - 1] -= ENTRIES_PER_TABLE;
      this.leafCount[l]++;
      this.collapses++;
      g.add(eStart, eStart + size);
    }
  }

  /** W | (OR of A) | (OR of D) if all 512 slots are leaves of one W, else −1. */
  private uniformLeafFlags(t: number, level: number): number {
    const from = t * ENTRIES_PER_TABLE;
    const first = this.get(level, from);
    if (first >= 0) return -1;
    let or = 0;
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
      const e = this.get(level, from + i);
      if (e >= 0 || ((e ^ first) & F_W) !== 0) return -1;
      or |= e;
    }
    return or & FLAGS;
  }

  /**
   * Entries the scans have read since the caller last zeroed them: every
   * present entry crossed (tables and leaves, once each: a tree walk, as
   * io-pgtable-arm's), and the entries a walk from the root for every leaf
   * reads (levels − leaf level + 1 a leaf, as Intel's and AMD's drivers).
   * Counted per table visited, not per DMA access.
   */
  scanEntries = 0;
  scanLeafWalkEntries = 0;

  /**
   * Calls `fn(leafIova, leafSize)` for every dirty leaf overlapping
   * [start, end), in IOVA order, and clears its D bit when `clear` is set
   * (a test-and-clear, as the drivers' read_and_clear_dirty does).
   */
  scanDirty(
    start: number,
    end: number,
    clear: boolean,
    fn: (leafIova: number, leafSize: number) => void,
  ): void {
    this.scanIn(this.root, this.levels, 0, start, end, clear, fn);
  }

  private scanIn(
    t: number,
    l: number,
    base: number,
    start: number,
    end: number,
    clear: boolean,
    fn: (leafIova: number, leafSize: number) => void,
  ): void {
    const size = levelSize(l);
    const i0 = Math.floor((start - base) / size);
    const i1 = Math.ceil((end - base) / size);
    const from = t * ENTRIES_PER_TABLE;
    if (l === 1) {
      const leaf8 = this.lower.data;
      let present = 0;
      for (let i = i0; i < i1; i++) {
        const b = leaf8[from + i];
        if (b === 0) continue;
        present++;
        if ((b & F_D) === 0) continue;
        if (clear) leaf8[from + i] = b & ~F_D;
        fn(base + i * size, size);
      }
      this.scanEntries += present;
      this.scanLeafWalkEntries += present * this.levels;
      return;
    }
    const ent = this.upper.data;
    const walk = this.levels - l + 1;
    for (let i = i0; i < i1; i++) {
      const e = ent[from + i];
      if (e === 0) continue;
      this.scanEntries++;
      if (e < 0) this.scanLeafWalkEntries += walk;
      const eStart = base + i * size;
      if (e > 0) {
        this.scanIn(
          e,
          l - 1,
          eStart,
          Math.max(start, eStart),
          Math.min(end, eStart + size),
          clear,
          fn,
        );
      } else if ((e & F_D) !== 0) {
        if (clear) ent[from + i] = e & ~F_D;
        fn(eStart, size);
      }
    }
  }

  /** Clears D in every leaf (tracking start: a clean snapshot). */
  clearAllDirty(): void {
    const leaf8 = this.lower.data; // its buffer starts a fresh allocation: word-aligned
    const words = new Int32Array(leaf8.buffer, leaf8.byteOffset, leaf8.length >> 2);
    const keep = ~Math.imul(F_D, 0x01010101); // D cleared in each byte of a word
    const stack: [number, number][] = [[this.root, this.levels]];
    while (stack.length) {
      const [t, l] = stack.pop()!;
      const from = t * ENTRIES_PER_TABLE;
      if (l === 1) {
        // The table's 512 bytes as 128 words (from is a multiple of 512).
        for (let i = from >> 2; i < (from + ENTRIES_PER_TABLE) >> 2; i++) words[i] &= keep;
        continue;
      }
      const ent = this.upper.data;
      for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
        const e = ent[from + i];
        if (e > 0) stack.push([e, l - 1]);
        else if (e < 0) ent[from + i] = e & ~F_D;
      }
    }
  }

  /** Every leaf overlapping [start, end), in IOVA order. */
  *leaves(start = 0, end = this.vaLimit): Generator<LeafInfo> {
    yield* this.leavesIn(this.root, this.levels, 0, start, end);
  }

  private *leavesIn(
    t: number,
    l: number,
    base: number,
    start: number,
    end: number,
  ): Generator<LeafInfo> {
    const size = levelSize(l);
    const i0 = Math.floor((start - base) / size);
    const i1 = Math.ceil((end - base) / size);
    for (let i = i0; i < i1; i++) {
      const e = this.get(l, t * ENTRIES_PER_TABLE + i);
      if (e === 0) continue;
      const eStart = base + i * size;
      if (e > 0) {
        yield* this.leavesIn(
          e,
          l - 1,
          eStart,
          Math.max(start, eStart),
          Math.min(end, eStart + size),
        );
      } else yield info(eStart, l, e);
    }
  }
}

function info(iova: number, level: number, e: number): LeafInfo {
  return {
    iova,
    sizeBytes: levelSize(level),
    level,
    writable: (e & F_W) !== 0,
    accessed: (e & F_A) !== 0,
    dirty: (e & F_D) !== 0,
  };
}
