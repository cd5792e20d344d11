// The page table on its own: leaf counts and table pages through map, split,
// collapse and unmap, and the region directory (the hot path's shortcut)
// agreeing with a walk from the root after any sequence of them.

import assert from "node:assert/strict";
import fc from "fast-check";
import { Gather } from "./gather.ts";
import { dirLevel, dirSlot, ENTRIES_PER_TABLE, LEAF8, levelSize, PageTable } from "./page_table.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const SPAN = 8 * GiB;

/** What the directory must say for region r, from a walk. */
function expected(
  pt: PageTable,
  r: number,
): { table: number } | { slot: number; level: number } | null {
  const iova = r * 2 * MiB;
  let t = pt.root;
  for (let l = pt.levels; l >= 2; l--) {
    const slot = t * ENTRIES_PER_TABLE + Math.floor(iova / levelSize(l)) % ENTRIES_PER_TABLE;
    const e = pt.get(l, slot);
    if (e <= 0) return l <= 3 ? { slot, level: l } : null;
    if (l === 2) return { table: e };
    t = e;
  }
  return null;
}

function checkDirectory(pt: PageTable): void {
  for (let r = 0; r < pt.dir.length; r++) {
    const dv = pt.dir[r];
    const want = expected(pt, r);
    if (dv > 0) assert.deepEqual(want, { table: dv }, `region ${r}`);
    else if (dv < 0) {
      // The entry a walk ends at (leaf or empty), at level 2 or 3, and that level.
      assert.ok(
        want && "slot" in want && want.slot === dirSlot(dv) && want.level === dirLevel(dv),
        `region ${r}: ${dv} vs ${JSON.stringify(want)}`,
      );
    } else {
      // Unknown is allowed only where nothing below level 3 is a table.
      assert.ok(!(want && "table" in want), `region ${r} has a 4 KiB table but no entry`);
    }
  }
}

type Op = { kind: "map" | "unmap" | "split" | "collapse"; at: number; n: number; size: number };

Deno.test("property: the region directory agrees with a walk after any map/unmap/split/collapse", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          kind: fc.constantFrom("map", "unmap", "split", "collapse"),
          at: fc.nat(),
          n: fc.integer({ min: 1, max: 3 }),
          size: fc.constantFrom(4096, 2 * MiB, GiB),
        }),
        { maxLength: 25 },
      ),
      (ops: Op[]) => {
        const pt = new PageTable(4, 4, SPAN);
        const g = new Gather();
        for (const op of ops) {
          const start = (op.at % (SPAN / op.size)) * op.size;
          const end = Math.min(start + op.n * op.size, SPAN);
          const level = Math.round(Math.log2(op.size / 4096) / 9) + 1;
          const leaves = [...pt.leaves(start, end)];
          if (op.kind === "map") {
            if (leaves.length === 0) pt.map(start, end, level);
          } else if (op.kind === "unmap") {
            if (!pt.straddlingLeaf(start, end)) pt.unmap(start, end, g);
          } else if (op.kind === "split") pt.split(start, end, Math.min(level, 2), g);
          else pt.collapse(start, end, () => true, g);
          g.clear();
          checkDirectory(pt);
        }
        const counted = [1, 2, 3].map((l) => [...pt.leaves()].filter((x) => x.level === l).length);
        assert.deepEqual(counted, pt.leafCount.slice(1, 4));
      },
    ),
    { numRuns: 120 },
  );
});

Deno.test("a split 2 MiB leaf becomes a byte table of 512 leaves; collapse frees it", () => {
  const pt = new PageTable(4, 4, GiB);
  const g = new Gather();
  pt.map(0, 4 * MiB, 2);
  assert.equal(pt.tables, 3); // root, level 3, level 2
  pt.split(2 * MiB, 4 * MiB, 1, g);
  assert.equal(pt.tables, 4);
  assert.deepEqual(pt.leafCount.slice(1, 3), [512, 1]);
  assert.ok(pt.dir[1] > 0 && pt.leaf8[pt.dir[1] * 512] === (LEAF8 | 1));
  assert.deepEqual([g.runs, g.added], [1, 1]);
  pt.collapse(0, 4 * MiB, () => true, g);
  assert.equal(pt.tables, 3);
  assert.equal(pt.tablesPeak, 4);
  assert.deepEqual(pt.leafCount.slice(1, 3), [0, 2]);
  pt.unmap(0, 4 * MiB, g);
  assert.equal(pt.tables, 1, "empty tables are freed, the root stays");
});
