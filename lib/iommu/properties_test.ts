// Properties (fast-check): split then collapse is the identity on the
// mappings, A and D OR-ed (MODEL.md §2); no safe clear policy misses a written
// page and unsafe-skip does (§3, §6); and the hot loops and the general path
// both match, counter for counter, a reference model that shares nothing
// with them (a Map of leaves and a list per cache set, written out below).

import assert from "node:assert/strict";
import fc from "fast-check";
import { testDomain } from "./test_util.ts";
import type { DmaBatch, IommuStats, LeafInfo } from "./types.ts";
import { TEST_DEFAULTS } from "./test_util.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

Deno.test("property: split then collapse is the identity on mappings, A and D OR-ed", () => {
  let runs = 0;
  fc.assert(
    fc.property(
      fc.constantFrom<[number, number]>([2 * MiB, 16 * MiB], [GiB, 2 * GiB]),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.array(
        fc.record({ at: fc.nat(), to: fc.constantFrom(4 * KiB, 2 * MiB), span: fc.nat(3) }),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      fc.array(fc.record({ at: fc.nat(), write: fc.boolean() }), { maxLength: 12 }),
      (mapping, before, splits, after) => {
        const [pageSize, total] = mapping;
        const d = testDomain({ memory: total, pageSize });
        d.map(0, total, pageSize);
        d.setDirtyTracking(true);
        for (const x of before) d.dma((x % (total / 64)) * 64, 8, true);
        const original: LeafInfo[] = [...d.leaves()];
        // Expected after collapse: each original leaf ORs in whatever happened inside it.
        const expect = original.map((l) => ({ ...l }));
        const leafOf = (iova: number) => expect[Math.floor(iova / pageSize)];
        for (const s of splits) {
          const to = Math.min(s.to, pageSize);
          const start = (s.at % (total / to)) * to;
          const len = Math.min((s.span + 1) * to, total - start);
          d.split(start, len, to);
        }
        for (const a of after) {
          const iova = (a.at % (total / 64)) * 64;
          d.dma(iova, 8, a.write);
          leafOf(iova).accessed = true;
          if (a.write) leafOf(iova).dirty = true;
        }
        d.collapse(0, total);
        assert.deepEqual([...d.leaves()], expect);
        runs++;
      },
    ),
    { numRuns: 80 },
  );
  assert.equal(runs, 80);
});

interface Step {
  writes: number[];
  read: boolean;
}

const stepsArb = fc.array(
  fc.record({ writes: fc.array(fc.nat(2047), { maxLength: 40 }), read: fc.boolean() }),
  { minLength: 1, maxLength: 12 },
);

/** Runs the steps; returns the pages written since the previous read but missing from it. */
function lostPages(
  steps: Step[],
  pageSize: number,
  clearBatch: number | "round",
  unsafeSkipFlush: boolean,
  lazySplit: boolean,
  iotlb: { entries: number; ways: number },
): number {
  const memory = 8 * MiB; // 2048 pages of 4 KiB
  const d = testDomain({
    memory,
    pageSize,
    iotlb,
    clear: unsafeSkipFlush ? { kind: "unsafe-skip" } : undefined,
    clearBatch,
  });
  d.map(0, memory, pageSize);
  d.setDirtyTracking(true);
  const log = new Uint8Array(memory / 4096 / 8);
  d.attachWriteLog(log);
  let lost = 0;
  for (const [i, step] of steps.entries()) {
    for (const p of step.writes) d.dma(p * 4096 + 8, 16, true);
    if (!step.read && i < steps.length - 1) continue;
    const bm = d.getDirtyBitmap({
      iova: 0,
      length: memory,
      pageSize: 4096,
      onDirtyLeaf: lazySplit ? (iova, size) => size > 4096 && d.split(iova, size, 4096) : undefined,
    });
    for (let p = 0; p < memory / 4096; p++) {
      if (log[p >> 3] & (1 << (p & 7)) && !(bm[p >> 3] & (1 << (p & 7)))) lost++;
    }
    log.fill(0);
  }
  return lost;
}

Deno.test("property: under every safe clear-batching policy no written page is missing", () => {
  let runs = 0;
  fc.assert(
    fc.property(
      stepsArb,
      fc.constantFrom(4 * KiB, 2 * MiB),
      fc.oneof(fc.constant<"round">("round"), fc.integer({ min: 1, max: 20 })),
      fc.boolean(),
      fc.constantFrom({ entries: 64, ways: 8 }, { entries: 16, ways: 16 }, { entries: 8, ways: 1 }),
      (steps, pageSize, clearBatch, lazySplit, iotlb) => {
        assert.equal(lostPages(steps, pageSize, clearBatch, false, lazySplit, iotlb), 0);
        runs++;
      },
    ),
    { numRuns: 150 },
  );
  assert.equal(runs, 150);
});

Deno.test("property: with unsafeSkipFlush some written pages are missing", () => {
  // A page written, read (D cleared, the IOTLB entry kept), written again
  // while its entry is still cached: the second write sets no D.
  let runsWithLoss = 0;
  fc.assert(
    fc.property(
      fc.array(fc.nat(31), { minLength: 1, maxLength: 20 }),
      fc.constantFrom(4 * KiB, 2 * MiB),
      fc.oneof(fc.constant<"round">("round"), fc.integer({ min: 1, max: 20 })),
      (pages, pageSize, clearBatch) => {
        const steps = [{ writes: pages, read: true }, { writes: pages, read: true }];
        const lost = lostPages(steps, pageSize, clearBatch, true, false, { entries: 64, ways: 64 });
        // 32 pages fit a 64-entry fully associative IOTLB: every second write is lost.
        assert.equal(lost, new Set(pages).size);
        assert.equal(
          lostPages(steps, pageSize, clearBatch, false, false, { entries: 64, ways: 64 }),
          0,
        );
        runsWithLoss++;
      },
    ),
    { numRuns: 50 },
  );
  assert.ok(runsWithLoss > 0);
});

// --- an independent reference model -------------------------------------------
//
// What MODEL.md §2-§6 says, written the plain way and sharing no code or state
// with the engine: leaves in a Map by IOVA, each IOTLB and walk-cache set a
// list of tags (most recent first), page-table pages counted from the leaves,
// gathers as sorted merged ranges. Slow, obvious, and the oracle that both
// the hot loops and the general path must match, counter for counter.

const LEVELS = 4;
const refLevelSize = (level: number) => 4096 * 512 ** (level - 1);

interface RefLeaf {
  size: number;
  accessed: boolean;
  dirty: boolean;
}

interface RefEntry {
  key: string;
  vpn: number;
  code: number;
  dirty: boolean;
}

/** A set-associative true-LRU cache of tags: one list per set, most recent first. */
class RefCache {
  readonly sets: number;
  readonly lists: RefEntry[][];
  constructor(entries: number, readonly ways: number) {
    this.sets = entries / ways;
    this.lists = Array.from({ length: this.sets }, () => []);
  }
  /** The entry for (code, vpn), made most recent; or undefined. */
  lookup(code: number, vpn: number): RefEntry | undefined {
    const list = this.lists[vpn % this.sets];
    const at = list.findIndex((e) => e.code === code && e.vpn === vpn);
    if (at < 0) return undefined;
    const [e] = list.splice(at, 1);
    list.unshift(e);
    return e;
  }
  insert(code: number, vpn: number, dirty: boolean): void {
    const list = this.lists[vpn % this.sets];
    if (list.length === this.ways) list.pop();
    list.unshift({ key: `${code}:${vpn}`, vpn, code, dirty });
  }
  /** Drops every entry whose range meets [start, end). */
  invalidate(start: number, end: number): void {
    for (const list of this.lists) {
      for (let i = list.length - 1; i >= 0; i--) {
        const size = refLevelSize(list[i].code + 1);
        const s = list[i].vpn * size;
        if (s < end && s + size > start) list.splice(i, 1);
      }
    }
  }
  clear(): void {
    for (const list of this.lists) list.length = 0;
  }
}

/** Sorted, merged (touching or overlapping) ranges. */
function mergeRuns(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

class RefDomain {
  readonly leaves = new Map<number, RefLeaf>();
  readonly tlb: RefCache;
  readonly walk: RefCache | null;
  readonly log: Uint8Array;
  tracking = false;
  stats: IommuStats = {
    translations: 0,
    iotlbHits: 0,
    iotlbMisses: 0,
    walkMemoryAccesses: 0,
    dirtyBitWrites: 0,
    invalidations: 0,
    domainFlushes: 0,
    invalidationNs: 0,
    splits: 0,
    collapses: 0,
    pageTableBytes: 4096,
    pageTableBytesPeak: 4096,
    dirtyReads: 0,
    dirtyReadEntries: 0,
    dirtyReadDirtyLeaves: 0,
    dirtyReadWindows: 0,
  };

  constructor(
    iotlb: { entries: number; ways: number },
    walkCache: { entries: number; ways: number } | null,
    readonly costs: { invalidationNs: number; waitNs: number },
    readonly clearBatch: number | "round",
    memory: number,
  ) {
    this.tlb = new RefCache(iotlb.entries, iotlb.ways);
    this.walk = walkCache ? new RefCache(walkCache.entries, walkCache.ways) : null;
    this.log = new Uint8Array(memory / 4096 / 8);
  }

  /** The leaf that maps `iova`: [its IOVA, it]. */
  leafAt(iova: number): [number, RefLeaf] {
    for (let level = 1; level <= 3; level++) {
      const size = refLevelSize(level);
      const at = Math.floor(iova / size) * size;
      const leaf = this.leaves.get(at);
      if (leaf && leaf.size === size) return [at, leaf];
    }
    throw new Error(`reference: no leaf at ${iova}`);
  }

  /** Table pages: the root and, for each leaf, every table on its path. */
  tablesChanged(): void {
    const tables = new Set<string>();
    for (const [iova, leaf] of this.leaves) {
      for (let k = Math.log2(leaf.size / 4096) / 9 + 1; k <= LEVELS; k++) {
        tables.add(`${k}:${Math.floor(iova / refLevelSize(k + 1))}`);
      }
    }
    this.stats.pageTableBytes = Math.max(1, tables.size) * 4096;
    this.stats.pageTableBytesPeak = Math.max(
      this.stats.pageTableBytesPeak,
      this.stats.pageTableBytes,
    );
  }

  map(memory: number, size: number): void {
    for (let a = 0; a < memory; a += size) {
      this.leaves.set(a, { size, accessed: false, dirty: false });
    }
    this.tablesChanged();
  }

  flushDomain(): void {
    this.tlb.clear();
    this.walk?.clear();
    this.stats.domainFlushes++;
    this.stats.invalidationNs += this.costs.invalidationNs + this.costs.waitNs;
  }

  /** One page-selective descriptor per run (each rounded up to an aligned power of two), one wait. */
  invalidateRuns(ranges: [number, number][]): void {
    const runs = mergeRuns(ranges);
    for (const [s, e] of runs) {
      let size = 4096;
      while (Math.floor(s / size) !== Math.floor((e - 1) / size) || size < e - s) size *= 2;
      const start = Math.floor(s / size) * size;
      this.tlb.invalidate(start, start + size);
      this.walk?.invalidate(start, start + size);
      this.stats.invalidations++;
      this.stats.invalidationNs += this.costs.invalidationNs;
    }
    if (runs.length > 0) this.stats.invalidationNs += this.costs.waitNs;
  }

  setDirtyTracking(): void {
    for (const leaf of this.leaves.values()) leaf.dirty = false;
    this.tracking = true;
    this.flushDomain();
  }

  /** Memory reads of the walk to a leaf at `level`, through the walk cache. */
  walkReads(iova: number, level: number): number {
    if (!this.walk) return LEVELS - level + 1;
    let top = LEVELS;
    for (let l = level + 1; l <= LEVELS; l++) {
      if (this.walk.lookup(l - 1, Math.floor(iova / refLevelSize(l)))) {
        top = l - 1;
        break;
      }
    }
    for (let l = level + 1; l <= top; l++) {
      this.walk.insert(l - 1, Math.floor(iova / refLevelSize(l)), false);
    }
    return top - level + 1;
  }

  dma(iova: number, len: number, write: boolean): void {
    const st = this.stats;
    for (let a = iova; a < iova + len;) {
      const [at, leaf] = this.leafAt(a);
      const level = Math.log2(leaf.size / 4096) / 9 + 1;
      const vpn = at / leaf.size;
      st.translations++;
      const hit = this.tlb.lookup(level - 1, vpn);
      if (hit) {
        st.iotlbHits++;
        if (write && this.tracking && !hit.dirty) {
          leaf.dirty = true;
          hit.dirty = true;
          st.walkMemoryAccesses++;
          st.dirtyBitWrites++;
        }
      } else {
        st.iotlbMisses++;
        st.walkMemoryAccesses += this.walkReads(a, level);
        const setsD = write && this.tracking && !leaf.dirty;
        if (!leaf.accessed || setsD) {
          st.walkMemoryAccesses++;
          if (setsD) st.dirtyBitWrites++;
        }
        leaf.accessed = true;
        if (setsD) leaf.dirty = true;
        this.tlb.insert(level - 1, vpn, leaf.dirty);
      }
      a = at + leaf.size;
    }
    if (write) {
      for (let p = Math.floor(iova / 4096); p < Math.ceil((iova + len) / 4096); p++) {
        this.log[p >> 3] |= 1 << (p & 7);
      }
    }
  }

  /** Splits every leaf above `to` that meets [start, end), down to `to`; children inherit A and D. */
  split(start: number, end: number, to: number): void {
    const old: [number, number][] = [];
    const splitLeaf = (at: number, leaf: RefLeaf, fresh: boolean) => {
      if (leaf.size <= to || at >= end || at + leaf.size <= start) return;
      if (!fresh) old.push([at, at + leaf.size]);
      this.leaves.delete(at);
      this.stats.splits++;
      const child = leaf.size / 512;
      for (let i = 0; i < 512; i++) {
        const c = { size: child, accessed: leaf.accessed, dirty: leaf.dirty };
        this.leaves.set(at + i * child, c);
        splitLeaf(at + i * child, c, true);
      }
    };
    for (const [at, leaf] of [...this.leaves]) splitLeaf(at, leaf, false);
    this.invalidateRuns(old);
    this.tablesChanged();
  }

  /** Collapses, level by level, 512 leaves of one size into one, up to the mapping's size. */
  collapse(mappedSize: number): void {
    const made: [number, number][] = [];
    for (let level = 2; refLevelSize(level) <= mappedSize; level++) {
      const size = refLevelSize(level);
      const groups = new Map<number, number[]>();
      for (const [at, leaf] of this.leaves) {
        if (leaf.size !== size / 512) continue;
        const g = Math.floor(at / size) * size;
        const members = groups.get(g);
        if (members) members.push(at);
        else groups.set(g, [at]);
      }
      for (const [g, members] of groups) {
        if (members.length !== 512) continue;
        const kids = members.map((m) => this.leaves.get(m)!);
        for (const m of members) this.leaves.delete(m);
        this.leaves.set(g, {
          size,
          accessed: kids.some((k) => k.accessed),
          dirty: kids.some((k) => k.dirty),
        });
        this.stats.collapses++;
        made.push([g, g + size]);
      }
    }
    this.invalidateRuns(made);
    this.tablesChanged();
  }

  /** The dirty bitmap of [0, memory) at 4 KiB; clears and invalidates unless noClear. */
  read(memory: number, noClear: boolean): Uint8Array {
    const bm = new Uint8Array(Math.ceil(memory / 4096 / 8));
    const cleared: [number, number][] = [];
    // The default vendor (Intel) walks from the root for every leaf, and
    // the 8 MiB or 2 GiB read is one iova_bitmap window.
    this.stats.dirtyReads++;
    this.stats.dirtyReadWindows++;
    for (const leaf of this.leaves.values()) {
      this.stats.dirtyReadEntries += LEVELS - Math.log2(leaf.size / 4096) / 9;
    }
    for (const [at, leaf] of [...this.leaves].sort((a, b) => a[0] - b[0])) {
      if (!leaf.dirty) continue;
      this.stats.dirtyReadDirtyLeaves++;
      for (let p = at / 4096; p < (at + leaf.size) / 4096; p++) bm[p >> 3] |= 1 << (p & 7);
      if (noClear) continue;
      leaf.dirty = false;
      cleared.push([at, at + leaf.size]);
    }
    if (this.clearBatch === "round") {
      if (cleared.length > 0) this.flushDomain();
    } else {
      for (let i = 0; i < cleared.length; i += this.clearBatch) {
        this.invalidateRuns(cleared.slice(i, i + this.clearBatch));
      }
    }
    return bm;
  }

  leafList(): LeafInfo[] {
    return [...this.leaves].sort((a, b) => a[0] - b[0]).map(([iova, l]) => ({
      iova,
      sizeBytes: l.size,
      level: Math.log2(l.size / 4096) / 9 + 1,
      writable: true,
      accessed: l.accessed,
      dirty: l.dirty,
    }));
  }
}

// --- the hot path, the general path and the reference model agree ------------

type Op =
  | { kind: "dma"; page: number; hi: boolean; len: number; write: boolean }
  | { kind: "read"; noClear: boolean }
  | { kind: "split"; region: number; hi: boolean; to: number }
  | { kind: "collapse" }
  | { kind: "flush" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("dma" as const),
      // Mostly a dozen pages (a working set near the IOTLB's size, so
      // LRU order decides hits), else anywhere in the 8 MiB.
      page: fc.oneof(
        { weight: 3, arbitrary: fc.nat(11).map((p) => (p * 97) % 2048) },
        { weight: 1, arbitrary: fc.nat(4 * 512 - 1) },
      ),
      hi: fc.boolean(),
      len: fc.constantFrom(1, 64, 4096, 3 * 4096),
      write: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("read" as const), noClear: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("split" as const),
      region: fc.nat(3),
      hi: fc.boolean(),
      to: fc.constantFrom(4 * KiB, 2 * MiB),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("collapse" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
);

/**
 * Runs `ops` on two domains, one through dmaBatch's fast path and one through
 * the general path, and on the reference model: after every step all three
 * have the same counters; at the end the same leaves, write log and bitmaps.
 */
function checkAgainstReference(
  pageSize: number,
  iotlb: { entries: number; ways: number },
  walkCache: { entries: number; ways: number } | null,
  ops: Op[],
  clearBatch: number | "round" = "round",
): void {
  const memory = pageSize === GiB ? 2 * GiB : 8 * MiB;
  const half = memory / 2;
  const mk = (general: boolean) => {
    const d = testDomain({
      memory,
      pageSize,
      iotlb,
      walkCache: walkCache ?? { entries: 0 },
      clearBatch,
    });
    d.forceGeneralPath = general;
    d.map(0, memory, pageSize);
    d.setDirtyTracking(true);
    const log = new Uint8Array(memory / 4096 / 8);
    d.attachWriteLog(log);
    return { d, log };
  };
  const { d: fast, log: fastLog } = mk(false);
  const { d: slow, log: slowLog } = mk(true);
  const ref = new RefDomain(iotlb, walkCache, TEST_DEFAULTS.costs, clearBatch, memory);
  ref.map(memory, pageSize);
  ref.setDirtyTracking();
  const bitmaps: Uint8Array[][] = [[], [], []];
  const batch: DmaBatch = {
    iova: new Float64Array(1),
    length: new Uint32Array(1),
    write: new Uint8Array(1),
  };
  for (const op of ops) {
    for (const [k, d] of [fast, slow].entries()) {
      if (op.kind === "dma") {
        const base = (op.hi ? half : 0) + ((op.page * 4096) % Math.min(half, 8 * MiB));
        batch.iova[0] = base + (op.len === 1 ? 7 : 0);
        batch.length[0] = op.len;
        batch.write[0] = op.write ? 1 : 0;
        if (batch.iova[0] + op.len <= memory) d.dmaBatch(batch, 1);
      } else if (op.kind === "read") {
        const bm = d.getDirtyBitmap({
          iova: 0,
          length: memory,
          pageSize: 4096,
          noClear: op.noClear,
        });
        bitmaps[k].push(bm);
      } else if (op.kind === "split") {
        const at = (op.hi ? half : 0) + ((op.region * 2 * MiB) % half);
        if (op.to < pageSize) d.split(at, 2 * MiB, op.to);
      } else if (op.kind === "collapse") d.collapse(0, memory);
      else d.flushDomain();
    }
    // The same step on the reference model.
    if (op.kind === "dma") {
      const base = (op.hi ? half : 0) + ((op.page * 4096) % Math.min(half, 8 * MiB));
      const iova = base + (op.len === 1 ? 7 : 0);
      if (iova + op.len <= memory) ref.dma(iova, op.len, op.write);
    } else if (op.kind === "read") bitmaps[2].push(ref.read(memory, op.noClear));
    else if (op.kind === "split") {
      const at = (op.hi ? half : 0) + ((op.region * 2 * MiB) % half);
      if (op.to < pageSize) ref.split(at, at + 2 * MiB, op.to);
    } else if (op.kind === "collapse") ref.collapse(pageSize);
    else ref.flushDomain();
    assert.deepEqual(fast.stats(), ref.stats, `fast path vs reference after ${JSON.stringify(op)}`);
    assert.deepEqual(
      slow.stats(),
      ref.stats,
      `general path vs reference after ${JSON.stringify(op)}`,
    );
  }
  const refLeaves = ref.leafList();
  assert.deepEqual([...fast.leaves()], refLeaves);
  assert.deepEqual([...slow.leaves()], refLeaves);
  assert.deepEqual(fastLog, ref.log);
  assert.deepEqual(slowLog, ref.log);
  assert.deepEqual(bitmaps[0], bitmaps[2]);
  assert.deepEqual(bitmaps[1], bitmaps[2]);
}

// Mappings at 4 KiB, 2 MiB (8 MiB of them) and 1 GiB (2 GiB), split and
// collapsed under the DMA, so every mix of leaf sizes occurs; IOTLBs of up
// to 8 ways (the packed order) and wider (tag hash and recency lists), with
// and without a walk cache. Accesses fall in the low 8 MiB of each half of the mapping.
Deno.test("property: the fast path and the general path both match the reference model", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(4 * KiB, 2 * MiB, GiB),
      fc.constantFrom<[number, number]>([8, 2], [16, 8], [4, 4], [16, 16], [32, 16], [64, 64]),
      fc.boolean(),
      fc.array(opArb, { maxLength: 200, size: "max" }),
      fc.constantFrom<number | "round">("round", 1, 3, 64),
      (pageSize, [entries, ways], walkCache, ops, clearBatch) => {
        checkAgainstReference(
          pageSize,
          { entries, ways },
          walkCache ? { entries: 8, ways: 4 } : null,
          ops,
          clearBatch,
        );
      },
    ),
    { numRuns: 200 },
  );
});

// The wide-set structure (tag hash, per-set recency lists) under pressure:
// working sets around the IOTLB's size (so LRU order decides hits and
// evictions wrap the hash), page-selective invalidations from splits,
// collapses and dirty reads, domain flushes; wide walk caches too.
Deno.test("property: wide IOTLBs (64x64, 128x32, 512x512): both paths match the reference model", () => {
  // DMA to `pages` pages; a read (which may flush), split, collapse or flush
  // about once per `entries` accesses, so the IOTLB fills between them.
  const wideOp = (pages: number, entries: number): fc.Arbitrary<Op> =>
    fc.oneof(
      {
        weight: 4 * entries,
        arbitrary: fc.record({
          kind: fc.constant("dma" as const),
          page: fc.nat(pages - 1),
          hi: fc.boolean(),
          len: fc.constantFrom(1, 64, 4096, 4096, 3 * 4096),
          write: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant("read" as const), noClear: fc.boolean() }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("split" as const),
          region: fc.nat(3),
          hi: fc.boolean(),
          to: fc.constantFrom(4 * KiB, 2 * MiB),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("collapse" as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
    );
  const geometry = fc.constantFrom<[number, number]>([64, 64], [128, 32], [512, 512]);
  fc.assert(
    fc.property(
      fc.constantFrom(4 * KiB, 4 * KiB, 2 * MiB),
      geometry.chain(([entries, ways]) =>
        fc.tuple(
          fc.constant({ entries, ways }),
          // Pages over 1/2 to 2x the IOTLB (each half of the mapping doubles it).
          fc.constantFrom(entries / 4, entries / 2, entries).chain((pages) =>
            fc.array(wideOp(pages, entries), {
              minLength: entries,
              maxLength: 6 * entries,
              size: "max",
            })
          ),
        )
      ),
      fc.constantFrom(null, { entries: 16, ways: 4 }, { entries: 32, ways: 32 }),
      (pageSize, [iotlb, ops], walkCache) => {
        checkAgainstReference(pageSize, iotlb, walkCache, ops);
      },
    ),
    { numRuns: 60 },
  );
});
