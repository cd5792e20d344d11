// The work a dirty read counts in the domain (MODEL.md §13), against the
// closed forms of lib/cost/dirty_read.ts: a mapping of M bytes at leaf size S
// has M/S leaves plus its tables; Intel and AMD walk from the root for every
// leaf, SMMUv3's io-pgtable-arm reads each entry once a window; one window a
// 64 GiB of IOVA at a 4 KiB bitmap (iova_bitmap's 512 pages of bitmap).

import assert from "node:assert/strict";
import { dirtyReadWork, type LeafRun, uniformEntriesRead } from "../cost/dirty_read.ts";
import type { VendorName } from "../hw/mod.ts";
import { testDomain } from "./test_util.ts";

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
const VENDORS: [VendorName, "per-leaf" | "tree"][] = [
  ["intel", "per-leaf"],
  ["amd", "per-leaf"],
  ["smmuv3", "tree"],
];

function mapped(vendor: VendorName, memory: number, pageSize: number) {
  const d = testDomain({ vendor, memory, pageSize });
  d.map(0, memory, pageSize);
  d.setDirtyTracking(true);
  return d;
}

for (const [vendor, style] of VENDORS) {
  Deno.test(`${vendor}: a read of M bytes at leaf size S walks the closed form's entries`, () => {
    for (const [memory, leaf] of [[GiB, 4 * KiB], [GiB, 2 * MiB], [4 * GiB, GiB]]) {
      const d = mapped(vendor, memory, leaf);
      const s0 = d.stats();
      d.getDirtyBitmap({ iova: 0, length: memory, pageSize: 4096, noClear: true });
      const s = d.stats();
      const expected = uniformEntriesRead(memory, leaf, 4, style).total;
      assert.equal(s.dirtyReadEntries - s0.dirtyReadEntries, expected, `${memory}/${leaf}`);
      assert.equal(s.dirtyReads - s0.dirtyReads, 1);
      assert.equal(s.dirtyReadWindows - s0.dirtyReadWindows, 1);
      assert.equal(s.dirtyReadDirtyLeaves - s0.dirtyReadDirtyLeaves, 0);
    }
  });

  Deno.test(`${vendor}: splitting one 2 MiB leaf adds what the runs say; dirty leaves count`, () => {
    const d = mapped(vendor, 64 * MiB, 2 * MiB);
    d.split(6 * MiB, 2 * MiB, 4 * KiB);
    d.dma(6 * MiB + 8 * KiB, 64, true);
    d.dma(20 * MiB, 64, true);
    const s0 = d.stats();
    d.getDirtyBitmap({ iova: 0, length: 64 * MiB, pageSize: 4096 });
    const s = d.stats();
    const runs: LeafRun[] = [
      { iova: 0, length: 6 * MiB, leafSize: 2 * MiB },
      { iova: 6 * MiB, length: 2 * MiB, leafSize: 4 * KiB },
      { iova: 8 * MiB, length: 56 * MiB, leafSize: 2 * MiB },
    ];
    const work = dirtyReadWork({ iova: 0, length: 64 * MiB, pageSize: 4096 }, runs, 2, 4, style);
    assert.equal(s.dirtyReadEntries - s0.dirtyReadEntries, work.entries);
    // By hand: 31 huge leaves and 512 small ones; per leaf 3 and 4 entries,
    // or once each plus 1 PDPTE and 1 PML4E (the 32 PDEs are the leaves and
    // the one table pointer).
    assert.equal(work.entries, style === "per-leaf" ? 31 * 3 + 512 * 4 : 31 + 1 + 512 + 2);
    assert.equal(s.dirtyReadDirtyLeaves - s0.dirtyReadDirtyLeaves, 2);
  });

  Deno.test(`${vendor}: a read past 64 GiB takes two iova_bitmap windows`, () => {
    const memory = 128 * GiB;
    const d = mapped(vendor, memory, GiB);
    const s0 = d.stats();
    d.getDirtyBitmap({ iova: 0, length: memory, pageSize: 4096, noClear: true });
    const s = d.stats();
    assert.equal(s.dirtyReadWindows - s0.dirtyReadWindows, 2);
    const runs: LeafRun[] = [{ iova: 0, length: memory, leafSize: GiB }];
    const work = dirtyReadWork({ iova: 0, length: memory, pageSize: 4096 }, runs, 0, 4, style);
    assert.equal(work.windows, 2);
    assert.equal(s.dirtyReadEntries - s0.dirtyReadEntries, work.entries);
    // A tree walk reads the one PML4E again in the second window.
    assert.equal(work.entries, style === "per-leaf" ? 128 * 2 : 2 * (1 + 64));
  });
}
