// The domain's semantics, one behaviour a test: the IOTLB caches D exactly as
// ../shared/MODEL.md §3 says (so a clear without an invalidation loses
// writes), the kernel's dirty-tracking rules (FACTS.md §2), invalidation
// counts per clear-batching policy (MODEL.md §6), split and collapse, DMA
// faults, the write log, and the hot path agreeing with the general path.

import assert from "node:assert/strict";
import { DmaFault, IommuError } from "./errors.ts";
import { testDomain, type TestDomainInput } from "./test_util.ts";
import type { Domain } from "./types.ts";
import { diffStats } from "./stats.ts";
import { decodePte, VENDOR_NAMES } from "../hw/mod.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

function domain(
  input: TestDomainInput = {},
  map: [number, number, number] = [0, 64 * MiB, 4 * KiB],
) {
  const d = testDomain(input);
  d.map(...map);
  return d;
}

function popcount(bm: Uint8Array): number {
  let n = 0;
  for (const b of bm) for (let x = b; x; x &= x - 1) n++;
  return n;
}

function bitSet(bm: Uint8Array, k: number): boolean {
  return (bm[k >> 3] & (1 << (k & 7))) !== 0;
}

Deno.test("write miss: a 4-level walk, one A/D update, D set in memory", () => {
  const d = domain();
  d.setDirtyTracking(true);
  const s0 = d.stats();
  d.dma(0x5000, 64, true);
  const s = diffStats(d.stats(), s0);
  assert.equal(s.iotlbMisses, 1);
  assert.equal(s.walkMemoryAccesses, 4 + 1);
  assert.equal(s.dirtyBitWrites, 1);
  assert.deepEqual(d.lookup(0x5000), {
    iova: 0x5000,
    sizeBytes: 4096,
    level: 1,
    writable: true,
    accessed: true,
    dirty: true,
  });
});

Deno.test("write hit with cached D clear writes D once; with cached D set writes nothing", () => {
  const d = domain();
  d.setDirtyTracking(true);
  d.dma(0x5000, 64, false); // read miss: A set, entry cached clean
  assert.equal(d.lookup(0x5000)!.dirty, false);
  const s0 = d.stats();
  d.dma(0x5000, 64, true);
  const s1 = d.stats();
  assert.deepEqual(
    [
      s1.iotlbHits - s0.iotlbHits,
      s1.walkMemoryAccesses - s0.walkMemoryAccesses,
      s1.dirtyBitWrites - s0.dirtyBitWrites,
    ],
    [1, 1, 1],
  );
  assert.equal(d.lookup(0x5000)!.dirty, true);
  d.dma(0x5040, 64, true);
  const s2 = diffStats(d.stats(), s1);
  assert.deepEqual([s2.iotlbHits, s2.walkMemoryAccesses, s2.dirtyBitWrites], [1, 0, 0]);
});

Deno.test("walk length follows the leaf level: 4 KiB 4 reads, 2 MiB 3, 1 GiB 2", () => {
  for (const [size, reads] of [[4 * KiB, 4], [2 * MiB, 3], [GiB, 2]]) {
    const d = domain({}, [0, 2 * GiB, size]);
    d.dma(size, 8, false);
    assert.equal(d.stats().walkMemoryAccesses, reads + 1, `${size}`); // + A update
  }
});

Deno.test("unsafeSkipFlush: a clear without invalidation loses the next write (MODEL §3)", () => {
  const d = domain({ clear: { kind: "unsafe-skip" } });
  d.setDirtyTracking(true);
  d.dma(0x3000, 8, true);
  const first = d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 });
  assert.ok(bitSet(first, 3));
  const before = d.stats();
  d.dma(0x3000, 8, true); // IOTLB hit, cached D set: nothing written
  const s = diffStats(d.stats(), before);
  assert.deepEqual([s.iotlbHits, s.dirtyBitWrites], [1, 0]);
  const second = d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 });
  assert.equal(popcount(second), 0, "the write after the clear is lost");
  assert.equal(d.stats().invalidations + d.stats().domainFlushes, 1, "only the enable flush");
});

for (const clearBatch of [1, 3, "round"] as const) {
  Deno.test(`clearBatch ${clearBatch}: the write after a clear is reported`, () => {
    const d = domain({ clearBatch });
    d.setDirtyTracking(true);
    d.dma(0x3000, 8, true);
    d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 });
    d.dma(0x3000, 8, true); // the clear's invalidation dropped the entry: miss, D set again
    const bm = d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 });
    assert.deepEqual([popcount(bm), bitSet(bm, 3)], [1, true]);
  });
}

Deno.test("clear batching costs: 1 per leaf, N per batch of merged runs, round one flush", () => {
  const costs = { invalidationNs: 100, waitNs: 1000 };
  // Dirty pages 0..4 (one run) and 10, 12 (two runs): 7 leaves, 3 runs.
  const dirty = [0, 1, 2, 3, 4, 10, 12];
  const run = (clearBatch: number | "round") => {
    const d = domain({ costs, clearBatch });
    d.setDirtyTracking(true);
    for (const p of dirty) d.dma(p * 4096, 8, true);
    const s0 = d.stats();
    const bm = d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 });
    assert.equal(popcount(bm), dirty.length);
    return diffStats(d.stats(), s0);
  };
  const one = run(1);
  assert.deepEqual([one.invalidations, one.domainFlushes, one.invalidationNs], [7, 0, 7 * 1100]);
  // N = 4: batch 1 = pages 0-3 (one run), batch 2 = page 4, 10, 12 (three runs).
  const four = run(4);
  assert.deepEqual([four.invalidations, four.invalidationNs], [4, 4 * 100 + 2 * 1000]);
  const all = run(100);
  assert.deepEqual([all.invalidations, all.invalidationNs], [3, 3 * 100 + 1000]);
  const round = run("round");
  assert.deepEqual([round.invalidations, round.domainFlushes, round.invalidationNs], [0, 1, 1100]);
});

Deno.test("NO_CLEAR reports without clearing or flushing; a read with nothing dirty flushes nothing", () => {
  const d = domain();
  d.setDirtyTracking(true);
  d.dma(0x2000, 8, true);
  const s0 = d.stats();
  for (let i = 0; i < 2; i++) {
    const bm = d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096, noClear: true });
    assert.equal(popcount(bm), 1);
  }
  assert.deepEqual(diffStats(d.stats(), s0).domainFlushes, 0);
  d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 });
  const s1 = d.stats();
  assert.equal(popcount(d.getDirtyBitmap({ iova: 0, length: 64 * KiB, pageSize: 4096 })), 0);
  assert.equal(diffStats(d.stats(), s1).domainFlushes, 0);
});

Deno.test("setDirtyTracking: enable clears D with one flush, twice is a no-op; off sets no D", () => {
  const d = domain();
  d.dma(0x1000, 8, true); // tracking off: A but no D
  assert.deepEqual([d.lookup(0x1000)!.accessed, d.lookup(0x1000)!.dirty], [true, false]);
  assert.throws(
    () => d.getDirtyBitmap({ iova: 0, length: 4096, pageSize: 4096 }),
    (e: IommuError) => e.errno === "EINVAL" && /tracking is off/.test(e.message),
  );
  d.setDirtyTracking(true);
  d.dma(0x1000, 8, true); // the enable flush dropped the clean entry: miss, D set
  assert.equal(d.lookup(0x1000)!.dirty, true);
  const s0 = d.stats();
  d.setDirtyTracking(true);
  assert.equal(diffStats(d.stats(), s0).domainFlushes, 0);
  assert.equal(d.lookup(0x1000)!.dirty, true, "a second enable does not clear");
  d.setDirtyTracking(false);
  d.setDirtyTracking(true); // re-enable: a clean snapshot
  assert.equal(d.lookup(0x1000)!.dirty, false);
  assert.equal(diffStats(d.stats(), s0).domainFlushes, 2);
});

Deno.test("getDirtyBitmap argument rules (iommufd_check_iova_range, io_pagetable.c)", () => {
  const d = domain({}, [0, 64 * MiB, 2 * MiB]);
  d.setDirtyTracking(true);
  const bad: [Parameters<Domain["getDirtyBitmap"]>[0], string, RegExp][] = [
    [{ iova: 0, length: 4096, pageSize: 0 }, "EINVAL", /not a power of two/],
    [{ iova: 0, length: 3 * 4096, pageSize: 3 * 4096 }, "EINVAL", /not a power of two/],
    [{ iova: 0, length: 0, pageSize: 4096 }, "EINVAL", /positive/],
    [{ iova: 0x800, length: 4096, pageSize: 2048 }, "EINVAL", /IOMMU page 4KiB/],
    [{ iova: 4096, length: 8192, pageSize: 8192 }, "EINVAL", /aligned to pageSize 8KiB/],
    [{ iova: 0, length: 4096 * 3, pageSize: 8192 }, "EINVAL", /aligned to pageSize/],
    [{ iova: 60 * MiB, length: 8 * MiB, pageSize: 4096 }, "EINVAL", /not wholly mapped/],
    // EOVERFLOW only when iova + length − 1 overflows 64 bits; beyond the
    // mapping (even beyond the 48-bit space) the walk finds it not contiguous: EINVAL.
    [{ iova: 2 ** 48 - 4096, length: 8192, pageSize: 4096 }, "EINVAL", /not wholly mapped/],
    [{ iova: 2 ** 64 - 4096, length: 8192, pageSize: 4096 }, "EOVERFLOW", /overflows 64 bits/],
    [{ iova: 2 ** 64 - 4096, length: 4096, pageSize: 4096 }, "EINVAL", /not wholly mapped/],
  ];
  for (const [req, errno, re] of bad) {
    assert.throws(() => d.getDirtyBitmap(req), (e: IommuError) => {
      assert.ok(e instanceof IommuError);
      assert.equal(e.errno, errno, e.message);
      assert.match(e.message, re);
      return true;
    });
  }
  // A sub-4K bitmap page is allowed when iova/length are 4K-aligned (the mock's 2 KiB pages).
  d.dma(0x1000, 1, true);
  const bm = d.getDirtyBitmap({ iova: 0, length: 4 * MiB, pageSize: 2048 });
  assert.equal(popcount(bm), 2 * MiB / 2048, "a dirty 2 MiB leaf sets all of its 1024 bits");
});

Deno.test("a dirty huge leaf sets every bit it covers, clipped to the range; onDirtyLeaf sees it whole", () => {
  const d = domain({}, [0, 64 * MiB, 2 * MiB]);
  d.setDirtyTracking(true);
  d.dma(4 * MiB + 12345, 4, true);
  const seen: [number, number][] = [];
  const bm = d.getDirtyBitmap({
    iova: 5 * MiB,
    length: 2 * MiB,
    pageSize: 4096,
    onDirtyLeaf: (iova, size) => seen.push([iova, size]),
  });
  assert.equal(popcount(bm), 256, "the upper half of the 2 MiB leaf: 256 of 512 bits");
  assert.ok(bitSet(bm, 0) && !bitSet(bm, 256));
  assert.deepEqual(seen, [[4 * MiB, 2 * MiB]]);
  assert.equal(d.lookup(4 * MiB)!.dirty, false, "the whole leaf is cleared, as the drivers do");
});

Deno.test("onDirtyLeaf may split the leaf it is given (lazy splitting)", () => {
  const d = domain({}, [0, 64 * MiB, 2 * MiB]);
  d.setDirtyTracking(true);
  d.dma(2 * MiB + 4096, 8, true);
  d.getDirtyBitmap({
    iova: 0,
    length: 64 * MiB,
    pageSize: 4096,
    onDirtyLeaf: (iova, size) => d.split(iova, size, 4096),
  });
  d.dma(2 * MiB + 3 * 4096, 8, true);
  const bm = d.getDirtyBitmap({ iova: 0, length: 64 * MiB, pageSize: 4096 });
  assert.deepEqual([popcount(bm), bitSet(bm, 512 + 3)], [1, true]);
});

Deno.test("DMA to an unmapped IOVA is a fault with a clear message", () => {
  const d = domain({}, [0, 2 * MiB, 4 * KiB]);
  assert.throws(() => d.dma(4 * MiB, 8, true), (e: DmaFault) => {
    assert.ok(e instanceof DmaFault);
    assert.equal(e.iova, 4 * MiB);
    assert.match(
      e.message,
      /DMA fault: write of 8 bytes at IOVA 0x400000: IOVA 0x400000 is not mapped/,
    );
    return true;
  });
  // An access that runs off the end of the mapping faults at the first unmapped byte's page.
  assert.throws(() => d.dma(2 * MiB - 8, 16, false), /IOVA 0x200000 is not mapped/);
  assert.throws(() => d.dma(-4096, 8, false), DmaFault);
  assert.throws(() => d.dma(0, 0, false), DmaFault);
  assert.throws(() => d.dma(0.5, 8, false), DmaFault);
});

Deno.test("an access that spans pages costs one translation a page; the write log marks each 4 KiB", () => {
  const d = domain({}, [0, 8 * MiB, 4 * KiB]);
  const log = new Uint8Array(2048 / 8); // a bit a page, kernel layout
  d.attachWriteLog(log);
  d.dma(4096 - 8, 3 * 4096, true); // touches pages 0..3
  assert.equal(d.stats().translations, 4);
  assert.equal(log[0], 0b1111);
  d.dma(5 * 4096, 4096, false); // reads are not logged
  d.dma(10 * 4096 + 100, 8, true); // page 10: bit 2 of byte 1
  assert.deepEqual([...log.subarray(0, 3)], [0b1111, 0b100, 0]);
  // On a 2 MiB mapping the same access is one translation.
  const h = domain({}, [0, 8 * MiB, 2 * MiB]);
  h.dma(4096 - 8, 3 * 4096, true);
  assert.equal(h.stats().translations, 1);
  // A detached log is left alone, on the hot path and the general path
  // (one write in a page, one across pages); the writes are still translated.
  d.attachWriteLog(null);
  const before = log.slice();
  const t0 = d.stats().translations;
  d.dma(7 * 4096, 8, true);
  d.dma(9 * 4096 - 8, 16, true);
  assert.deepEqual(log, before, "nothing is marked after detach");
  assert.equal(d.stats().translations - t0, 3);
  // Another log attached takes the marks from then on.
  const other = new Uint8Array(2048 / 8);
  d.attachWriteLog(other);
  d.dma(7 * 4096, 8, true);
  assert.deepEqual([other[0], log[0]], [0x80, 0b1111]);
});

Deno.test("map, unmap and split errors name the problem and the errno", () => {
  const d = domain({}, [0, 8 * MiB, 2 * MiB]);
  assert.throws(() => d.map(4 * MiB, 2 * MiB, 2 * MiB), (e: IommuError) => e.errno === "EEXIST");
  assert.throws(
    () => d.map(16 * MiB, 2 * MiB, 8192),
    /not a page size of vendor intel: 4KiB, 2MiB, 1GiB/,
  );
  assert.throws(() => d.map(16 * MiB + 4096, 2 * MiB, 2 * MiB), /aligned to 2MiB/);
  assert.throws(() => d.unmap(4096, 4096), /cuts the 2MiB leaf at 0x0; split it first/);
  assert.throws(() => d.unmap(32 * MiB, 4096), (e: IommuError) => e.errno === "ENOENT");
  assert.throws(() => d.split(6 * MiB, 4 * MiB, 4096), /not wholly mapped/);
  d.split(0, 4096, 4096);
  d.unmap(4096, 4096);
  assert.equal(d.lookup(4096), null);
  assert.throws(() => d.dma(4096, 1, false), DmaFault);
});

Deno.test("split inherits A and D, invalidates the old translation; collapse ORs D", () => {
  const d = domain({ costs: { invalidationNs: 1, waitNs: 10 } }, [0, 8 * MiB, 2 * MiB]);
  d.setDirtyTracking(true);
  d.dma(2 * MiB + 5, 1, true); // the 2 MiB leaf is dirty and cached
  const s0 = d.stats();
  d.split(2 * MiB, 2 * MiB, 4096);
  const s = diffStats(d.stats(), s0);
  assert.deepEqual([s.splits, s.invalidations, s.invalidationNs], [1, 1, 11]);
  assert.equal(s.pageTableBytes, s0.pageTableBytes + 4096, "one 4 KiB table more");
  const kids = [...d.leaves(2 * MiB, 2 * MiB)];
  assert.equal(kids.length, 512);
  assert.ok(kids.every((l) => l.sizeBytes === 4096 && l.dirty && l.accessed));
  d.dma(2 * MiB + 5, 1, false);
  assert.equal(d.stats().iotlbMisses - s0.iotlbMisses, 1, "the 2 MiB entry is gone");
  // Clean all but one child, then collapse: D is the OR.
  d.getDirtyBitmap({ iova: 0, length: 8 * MiB, pageSize: 4096 });
  d.dma(2 * MiB + 100 * 4096, 1, true);
  d.collapse(0, 8 * MiB);
  assert.deepEqual(d.lookup(2 * MiB + 7), {
    iova: 2 * MiB,
    sizeBytes: 2 * MiB,
    level: 2,
    writable: true,
    accessed: true,
    dirty: true,
  });
  assert.equal(d.stats().collapses, 1);
  assert.equal(d.stats().pageTableBytes, s0.pageTableBytes, "the 4 KiB table is freed");
  assert.equal(d.stats().pageTableBytesPeak, s0.pageTableBytes + 4096);
});

Deno.test("split to 4 KiB from 1 GiB goes through 2 MiB; collapse never exceeds the mapped size", () => {
  const d = domain({}, [0, 2 * GiB, GiB]);
  d.split(GiB + 6 * MiB, 4096, 4096);
  assert.equal(d.stats().splits, 2);
  assert.equal(d.lookup(GiB + 6 * MiB)!.sizeBytes, 4096);
  assert.equal(d.lookup(GiB + 8 * MiB)!.sizeBytes, 2 * MiB);
  d.collapse(0, 2 * GiB);
  assert.equal(d.lookup(GiB)!.sizeBytes, GiB);
  const m = domain({}, [0, GiB, 2 * MiB]);
  m.split(0, GiB, 4096);
  m.collapse(0, GiB);
  assert.equal(m.lookup(0)!.sizeBytes, 2 * MiB, "mapped at 2 MiB: no 1 GiB leaf");
});

Deno.test("split/collapse across levels invalidate each old translation once", () => {
  // Only translations that existed before the call can be cached: the 2 MiB
  // children a 1 GiB split makes and splits again are never gathered, and a
  // collapse to 1 GiB absorbs the 2 MiB runs it made on the way up.
  const inv = (d: Domain, f: () => void) => {
    const s0 = d.stats();
    f();
    const s = diffStats(d.stats(), s0);
    return [s.invalidations, s.domainFlushes];
  };
  const one = domain({ memory: 2 * GiB }, [0, 2 * GiB, GiB]);
  one.dma(GiB + 5, 8, true); // the old 1 GiB leaf is cached
  assert.deepEqual(inv(one, () => one.split(GiB, GiB, 4096)), [1, 0], "1 GiB -> 4 KiB");
  assert.equal(one.stats().splits, 1 + 512);
  const s0 = one.stats();
  one.dma(GiB + 5, 8, true);
  assert.equal(one.stats().iotlbMisses - s0.iotlbMisses, 1, "the 1 GiB entry is gone");
  assert.deepEqual(inv(one, () => one.collapse(GiB, GiB)), [1, 0], "4 KiB -> 1 GiB");
  assert.equal(one.lookup(GiB)!.sizeBytes, GiB);
  const s1 = one.stats();
  one.dma(GiB + 5, 8, false);
  assert.equal(one.stats().iotlbMisses - s1.iotlbMisses, 1, "the 4 KiB entry is gone");

  const eight = domain({ memory: 8 * GiB }, [0, 8 * GiB, GiB]);
  assert.deepEqual(
    inv(eight, () => eight.split(0, 8 * GiB, 4096)),
    [1, 0],
    "8 contiguous 1 GiB leaves: one merged run",
  );
  assert.equal(eight.stats().splits, 8 * (1 + 512));
  // Half of them collapsed back: 4 contiguous 1 GiB leaves, one run again.
  assert.deepEqual(inv(eight, () => eight.collapse(0, 4 * GiB)), [1, 0]);
  // Non-contiguous old leaves: one run each.
  const gaps = domain({ memory: 8 * GiB }, [0, 8 * GiB, GiB]);
  gaps.split(GiB, GiB, 2 * MiB);
  gaps.split(3 * GiB, GiB, 2 * MiB);
  assert.deepEqual(
    inv(gaps, () => {
      gaps.split(0, 4 * GiB, 4096); // old: 1 GiB at 0 and 2 GiB, 2 MiB leaves at 1 GiB and 3 GiB
    }),
    [1, 0],
    "old leaves of two sizes, contiguous: still one run",
  );
});

Deno.test("page-table memory: table pages x 4 KiB, sparse", () => {
  const d = testDomain({ memory: 4096 * GiB, pageSize: GiB });
  d.map(0, 4096 * GiB, GiB);
  // root + 8 level-3 tables.
  assert.equal(d.stats().pageTableBytes, 9 * 4096);
  d.split(0, GiB, 4096);
  assert.equal(d.stats().pageTableBytes, (9 + 1 + 512) * 4096);
  assert.equal(d.stats().splits, 1 + 512);
});

Deno.test("a walk cache saves the upper levels of the next walk in the same region", () => {
  const d = domain({ walkCache: { entries: 16, ways: 4 } });
  d.dma(0x1000, 8, false);
  const s0 = d.stats();
  d.dma(0x2000, 8, false); // same 2 MiB region: the level-2 entry is cached
  assert.equal(d.stats().walkMemoryAccesses - s0.walkMemoryAccesses, 1 + 1);
  d.flushDomain();
  const s1 = d.stats();
  d.dma(0x3000, 8, false);
  assert.equal(d.stats().walkMemoryAccesses - s1.walkMemoryAccesses, 4 + 1);
});

/**
 * Which of `pages` (4 KiB page numbers, in order) a true-LRU IOTLB of
 * `entries` x `ways` hits: a list per set, most recent first, the set the
 * page's low bits. A reference that shares nothing with LruTable.
 */
function lruHits(pages: number[], entries: number, ways: number): boolean[] {
  const sets = entries / ways;
  const lists: number[][] = Array.from({ length: sets }, () => []);
  return pages.map((p) => {
    const list = lists[p % sets];
    const at = list.indexOf(p);
    if (at >= 0) list.splice(at, 1);
    else if (list.length === ways) list.pop();
    list.unshift(p);
    return at >= 0;
  });
}

Deno.test("IOTLB replacement is true LRU in packed and wide sets, fast and general path", () => {
  // A hand case first: fill a set, touch its oldest entry, then miss once
  // more: the victim is the second oldest, so the touched one still hits.
  for (const [entries, ways] of [[64, 64], [16, 16], [64, 8], [8, 2]]) {
    const sets = entries / ways;
    const page = (k: number) => k * sets; // all in set 0
    const hand = [...Array(ways).keys()].map(page);
    hand.push(page(0), page(ways), page(0), page(1));
    assert.deepEqual(lruHits(hand, entries, ways).slice(ways), [true, false, true, false]);
    const rng = (() => {
      let x = 12345;
      return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    })();
    // Pages over 1.5 x the IOTLB, so evictions decide most hits.
    const pages = [
      ...hand,
      ...Array.from({ length: 4000 }, () => Math.floor(rng() * 1.5 * entries)),
    ];
    const expected = lruHits(pages, entries, ways);
    for (const general of [false, true]) {
      const d = domain({ iotlb: { entries, ways } });
      d.forceGeneralPath = general;
      const got = pages.map((p) => {
        const h0 = d.stats().iotlbHits;
        d.dma(p * 4096, 8, false);
        return d.stats().iotlbHits > h0;
      });
      const first = got.findIndex((h, i) => h !== expected[i]);
      assert.equal(
        first,
        -1,
        `${entries}x${ways} ${general ? "general" : "fast"}: access ${first}`,
      );
    }
  }
});

Deno.test("readPte shows the domain's leaf with the vendor's bits", () => {
  for (const name of VENDOR_NAMES) {
    const d = testDomain({ vendor: name });
    d.map(0, 4 * MiB, 2 * MiB);
    d.setDirtyTracking(true);
    d.dma(2 * MiB + 100, 8, true);
    const pte = decodePte(d.vendor, d.readPte(2 * MiB)!, 2 * MiB);
    assert.deepEqual(pte, {
      present: true,
      writable: true,
      accessed: true,
      dirty: true,
      address: 2 * MiB,
      sizeBytes: 2 * MiB,
    });
    assert.equal(decodePte(d.vendor, d.readPte(0)!, 2 * MiB).dirty, false);
    assert.equal(d.readPte(8 * MiB), null);
  }
});
