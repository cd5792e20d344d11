// Dirty-read work and time against closed forms: M/S leaves plus the tables
// above them for a tree walk, levels − leaf level + 1 entries a leaf for a
// walk from the root, and iova_bitmap's windows of 512 bitmap pages.

import assert from "node:assert/strict";
import fc from "fast-check";
import { VENDORS } from "../hw/mod.ts";
import {
  bitmapWindows,
  dirtyReadNs,
  dirtyReadWork,
  entriesRead,
  uniformEntriesRead,
  windowSpanBytes,
} from "./dirty_read.ts";
import { dirtyReadSection } from "../config/cost_sections.ts";

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

Deno.test("dirty read: 1 GiB at 4 KiB in 4 levels, closed form", () => {
  // 262144 leaves; a tree walk adds 512 PDEs, 1 PDPTE, 1 PML4E.
  assert.deepEqual(uniformEntriesRead(GiB, 4 * KiB, 4, "tree"), {
    leaves: 262144,
    tableEntries: 514,
    total: 262658,
  });
  // Intel/AMD walk from the root for each leaf: 4 entries a leaf.
  assert.deepEqual(uniformEntriesRead(GiB, 4 * KiB, 4, "per-leaf"), {
    leaves: 262144,
    tableEntries: 3 * 262144,
    total: 4 * 262144,
  });
  // 4 GiB at 2 MiB: 2048 leaves, 4 PDPTEs, 1 PML4E; per leaf 3 entries.
  assert.equal(uniformEntriesRead(4 * GiB, 2 * MiB, 4, "tree").total, 2048 + 4 + 1);
  assert.equal(uniformEntriesRead(4 * GiB, 2 * MiB, 4, "per-leaf").total, 3 * 2048);
});

Deno.test("dirty read: the run-by-run count equals the closed form for one aligned mapping", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(4 * KiB, 2 * MiB, GiB),
      fc.integer({ min: 1, max: 3000 }),
      fc.constantFrom<"tree" | "per-leaf">("tree", "per-leaf"),
      (leaf, n, style) => {
        const a = entriesRead([{ iova: 0, length: n * leaf, leafSize: leaf }], 4, style);
        const b = uniformEntriesRead(n * leaf, leaf, 4, style);
        return a.total === b.total && a.leaves === b.leaves;
      },
    ),
  );
});

Deno.test("dirty read: mixed leaves share the tables above them in a tree walk", () => {
  // [0, 2 MiB) split to 4 KiB next to a 2 MiB leaf at [2 MiB, 4 MiB): 513
  // leaves; level 2 is read for the split part only (1 PDE pointing at the
  // 4 KiB table), while the 2 MiB leaf is itself a level-2 entry; level 3: 1;
  // level 4: 1.
  const runs = [
    { iova: 0, length: 2 * MiB, leafSize: 4 * KiB },
    { iova: 2 * MiB, length: 2 * MiB, leafSize: 2 * MiB },
  ];
  assert.deepEqual(entriesRead(runs, 4, "tree"), { leaves: 513, tableEntries: 3, total: 516 });
  assert.deepEqual(entriesRead(runs, 4, "per-leaf"), {
    leaves: 513,
    tableEntries: 512 * 3 + 2,
    total: 513 + 1538,
  });
  assert.throws(
    () => entriesRead([{ iova: 4096, length: 2 * MiB, leafSize: 2 * MiB }], 4, "tree"),
    /aligned/,
  );
});

Deno.test("dirty read: iova_bitmap windows are 512 bitmap pages: 64 GiB of IOVA at 4 KiB", () => {
  assert.equal(windowSpanBytes(4 * KiB), 64 * GiB);
  assert.equal(bitmapWindows(64 * GiB, 4 * KiB), 1);
  assert.equal(bitmapWindows(64 * GiB + 4 * KiB, 4 * KiB), 2);
  assert.equal(bitmapWindows(4 * KiB, 4 * KiB), 1);
  // At 2 MiB a bit, one window spans 32 TiB.
  assert.equal(windowSpanBytes(2 * MiB), 32 * 1024 * GiB);
});

Deno.test("dirty read: time = entries × entryReadNs + dirty leaves × dirtyLeafNs + windows × windowNs", () => {
  const costs = dirtyReadSection.parse({});
  assert.deepEqual(costs, { entryReadNs: 5, dirtyLeafNs: 30, windowNs: 20_000 });
  // 4 GiB guest at 4 KiB read on Intel, 1000 dirty leaves.
  const work = dirtyReadWork(
    { iova: 0, length: 4 * GiB, pageSize: 4096 },
    [{ iova: 0, length: 4 * GiB, leafSize: 4096 }],
    1000,
    4,
    VENDORS.intel.dirtyWalk,
  );
  assert.deepEqual(work, { entries: 4 * 1048576, dirtyLeaves: 1000, windows: 1 });
  assert.equal(dirtyReadNs(work, costs), 4 * 1048576 * 5 + 1000 * 30 + 20_000);
});

Deno.test("dirty read: a tree walk starts at the root again in each window", () => {
  // 128 GiB at 1 GiB leaves, 4 KiB bitmap: two 64 GiB windows, each reads
  // 64 leaves + 1 PML4E.
  const work = dirtyReadWork(
    { iova: 0, length: 128 * GiB, pageSize: 4096 },
    [{ iova: 0, length: 128 * GiB, leafSize: GiB }],
    0,
    4,
    "tree",
  );
  assert.deepEqual(work, { entries: 2 * (64 + 1), dirtyLeaves: 0, windows: 2 });
});
