// The generic set-associative LRU table against a plain reference model
// (arrays kept in recency order), for the packed path (<= 8 ways) and the
// time-stamp path (wider sets), under random lookups, inserts and
// invalidations.

import assert from "node:assert/strict";
import fc from "fast-check";
import { INVALID_TAG, LruTable } from "./lru.ts";

/** Reference: per set, tags from most to least recent; empties are the first victims. */
class RefLru {
  readonly sets: number[][];
  constructor(readonly nSets: number, readonly ways: number) {
    this.sets = Array.from({ length: nSets }, () => []);
  }
  lookup(set: number, tag: number): boolean {
    const s = this.sets[set];
    const i = s.indexOf(tag);
    if (i < 0) return false;
    s.splice(i, 1);
    s.unshift(tag);
    return true;
  }
  insert(set: number, tag: number): number | null {
    const s = this.sets[set];
    const evicted = s.length === this.ways ? s.pop()! : null;
    s.unshift(tag);
    return evicted;
  }
  invalidate(set: number, tag: number): void {
    const s = this.sets[set];
    const i = s.indexOf(tag);
    if (i >= 0) s.splice(i, 1);
  }
}

function contents(t: LruTable, set: number): number[] {
  const base = set * t.stride;
  return t.recency(set).map((w) => t.tags[base + w]).filter((x) => x !== INVALID_TAG);
}

for (
  const [entries, ways] of [[8, 1], [8, 2], [12, 3], [16, 4], [8, 8], [16, 8], [16, 16], [64, 64]]
) {
  Deno.test(`LruTable ${entries} entries, ${ways} ways matches the reference LRU`, () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ op: fc.constantFrom("access", "access", "access", "inv"), tag: fc.nat(40) }),
          { maxLength: 300 },
        ),
        (ops) => {
          const t = new LruTable(entries, ways);
          const ref = new RefLru(t.sets, ways);
          for (const { op, tag } of ops) {
            const set = tag % t.sets;
            if (op === "access") {
              const hit = t.lookup(set, tag) >= 0;
              assert.equal(hit, ref.lookup(set, tag));
              if (!hit) {
                t.insert(set, tag);
                ref.insert(set, tag);
              }
            } else {
              const e = t.find(set, tag);
              if (e >= 0) t.invalidate(e);
              ref.invalidate(set, tag);
            }
            assert.deepEqual(contents(t, set), ref.sets[set]);
          }
          assert.equal(t.occupancy(), ref.sets.reduce((n, s) => n + s.length, 0));
        },
      ),
      { numRuns: 60 },
    );
  });
}

Deno.test("a packed set evicts in O(1) the least recent way; clear empties", () => {
  const t = new LruTable(4, 4);
  for (const tag of [10, 11, 12, 13]) t.insert(0, tag);
  assert.ok(t.lookup(0, 10) >= 0); // 10 is now most recent; 11 least
  t.insert(0, 14);
  assert.equal(t.find(0, 11), -1);
  assert.deepEqual(contents(t, 0), [14, 10, 13, 12]);
  t.clear();
  assert.equal(t.occupancy(), 0);
});

Deno.test("geometry errors are clear", () => {
  assert.throws(() => new LruTable(12, 5), /ways 5 must divide entries 12/);
  assert.throws(() => new LruTable(24, 8), /3 sets, not a power of two/);
});
