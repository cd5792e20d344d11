// The gather merges contiguous ranges; a page-selective descriptor names the
// smallest naturally aligned power-of-two range covering a run (Intel's
// calculate_psi_aligned_address, drivers/iommu/intel/cache.c); a range
// invalidation drops exactly the cached entries it intersects.

import assert from "node:assert/strict";
import { alignedCover, invalidateRange } from "./invalidation.ts";
import { TAG_CODES } from "./tags.ts";
import { Gather } from "./gather.ts";
import { levelSize } from "./page_table.ts";
import { LruTable } from "./lru.ts";

const MiB = 2 ** 20;

Deno.test("alignedCover rounds a run up to an aligned power of two", () => {
  assert.deepEqual(alignedCover(0x1000, 0x2000), { start: 0x1000, size: 0x1000 });
  assert.deepEqual(alignedCover(0x1000, 0x3000), { start: 0, size: 0x4000 });
  // A run across a 2 MiB boundary needs a 4 MiB block.
  assert.deepEqual(alignedCover(2 * MiB - 4096, 2 * MiB + 4096), { start: 0, size: 4 * MiB });
  assert.throws(() => alignedCover(5, 5), /empty range/);
});

Deno.test("the gather merges contiguous ranges and counts what was added", () => {
  const g = new Gather();
  g.add(0, 4096);
  g.add(4096, 8192);
  g.add(16384, 20480);
  assert.deepEqual([g.runs, g.added, g.starts, g.ends], [2, 3, [0, 16384], [8192, 20480]]);
  g.clear();
  assert.deepEqual([g.runs, g.added], [0, 0]);
});

Deno.test("the gather absorbs runs that a later, enclosing range covers (collapse bottom-up)", () => {
  const g = new Gather();
  g.add(0, 4096); // an unrelated earlier run
  g.add(2 * MiB, 4 * MiB); // collapses at 2 MiB ...
  g.add(4 * MiB, 6 * MiB);
  g.add(2 * MiB, 2 * MiB + 2 ** 30); // ... then the 1 GiB leaf over them
  assert.deepEqual([g.runs, g.starts, g.ends], [2, [0, 2 * MiB], [4096, 2 * MiB + 2 ** 30]]);
  g.add(2 * MiB + 4096, 3 * MiB); // inside the last run: nothing new
  assert.deepEqual([g.runs, g.ends[1]], [2, 2 * MiB + 2 ** 30]);
});

Deno.test("invalidateRange drops the entries that intersect the range, of every size", () => {
  for (const [entries, ways] of [[64, 8], [16, 16]]) {
    const t = new LruTable(entries, ways);
    const put = (iova: number, code: number) => {
      const vpn = Math.floor(iova / levelSize(code + 1));
      t.insert(vpn % t.sets, vpn * TAG_CODES + code);
    };
    put(0, 0); // 4 KiB at 0
    put(8192, 0); // 4 KiB at 8 KiB
    put(2 * MiB, 1); // 2 MiB leaf at 2 MiB
    assert.equal(invalidateRange(t, 4096, 3 * MiB, [0, 1, 2]), 2);
    assert.equal(t.occupancy(), 1);
    assert.equal(invalidateRange(t, 0, 2 ** 40, [0, 1, 2]), 1, "a whole-space range scans");
  }
});
