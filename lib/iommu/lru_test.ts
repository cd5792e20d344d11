// The generic set-associative LRU table against a plain reference model
// (arrays kept in recency order), for the packed path (<= 8 ways) and the
// tag hash with recency lists (wider sets), under random lookups, inserts and
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

// Wide sets (tag hash + per-set recency lists) under eviction pressure: tags
// over up to 2x the table, so the hash wraps and backward-shift deletion runs
// on every eviction and invalidation; clears; the hash holds exactly the valid tags.
for (const [entries, ways] of [[64, 64], [128, 32], [512, 512], [64, 16]]) {
  Deno.test(`LruTable ${entries}x${ways} (tag hash, recency lists) matches the reference LRU`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: entries / 2, max: 2 * entries }),
        fc.array(
          fc.record({
            op: fc.constantFrom("access", "access", "access", "access", "inv", "clear"),
            tag: fc.nat(),
          }),
          { minLength: 50, maxLength: 6 * entries, size: "max" },
        ),
        (range, ops) => {
          const t = new LruTable(entries, ways);
          let ref = new RefLru(t.sets, ways);
          for (const [i, { op, tag: raw }] of ops.entries()) {
            const tag = (raw % range) * 8 + (raw % 3); // tag codes, as the domain makes them
            const set = ((tag - (raw % 3)) / 8) & t.setMask;
            if (op === "clear") {
              if (i % 17 !== 0) continue; // rare
              t.clear();
              ref = new RefLru(t.sets, ways);
            } else if (op === "access") {
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
          for (let s = 0; s < t.sets; s++) assert.deepEqual(contents(t, s), ref.sets[s]);
          // The hash holds exactly the valid tags, each pointing at its entry.
          let keys = 0;
          for (let h = 0; h < t.hashKeys.length; h++) {
            if (t.hashKeys[h] === INVALID_TAG) continue;
            keys++;
            assert.equal(t.tags[t.hashEntries[h]], t.hashKeys[h]);
          }
          assert.equal(keys, t.occupancy());
          for (let e = 0; e < t.tags.length; e++) {
            if (t.tags[e] !== INVALID_TAG) assert.equal(t.hashFind(t.tags[e]), e);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
}

Deno.test("a wide set: lookups in another set miss; an empty set fills way 0 first", () => {
  const t = new LruTable(32, 16); // 2 sets
  assert.equal(t.insert(0, 8), 0);
  assert.equal(t.insert(0, 16), 1);
  assert.equal(t.find(1, 8), -1);
  assert.equal(t.lookup(1, 8), -1);
  assert.deepEqual(contents(t, 0), [16, 8]);
  t.invalidate(t.find(0, 16)); // its way is the next victim
  assert.equal(t.insert(0, 24), 1);
  assert.deepEqual(contents(t, 0), [24, 8]);
});
