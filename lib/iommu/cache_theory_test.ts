// Cache theory the IOTLB must obey (the independent reference model):
// - uniform random accesses over N pages with an LRU cache of C entries
//   (fully associative, or set-associative with the pages spread evenly over
//   the sets) miss with probability exactly 1 − C/N once warm: every page is
//   equally likely and the cache always holds C of them (King, "Analysis of
//   demand paging algorithms", IFIP 1971; Fagin & Price 1978). Tolerance:
//   ±0.01, about ten binomial standard deviations at 200 000 accesses.
// - a cyclic sweep over more than C pages misses every time under LRU (each
//   page was evicted C+1 accesses ago); a sweep over exactly C pages then
//   always hits.

import assert from "node:assert/strict";
import { createDomain } from "./domain.ts";
import type { DmaBatch, Domain } from "./types.ts";

const PAGE = 4096;
const B = 4096;

function tlbDomain(entries: number, ways: number, pages: number): Domain {
  const d = createDomain({
    guest: { memory: "1GiB" },
    iommu: { pageSize: PAGE, iotlb: { entries, ways } },
  });
  d.map(0, Math.max(pages, 512) * PAGE, PAGE);
  d.setDirtyTracking(true);
  return d;
}

/** Miss rate of `accesses` writes at pages from `next()`, after `warm` of them. */
function missRate(d: Domain, next: () => number, warm: number, accesses: number): number {
  const batch: DmaBatch = {
    iova: new Float64Array(B),
    length: new Uint32Array(B).fill(64),
    write: new Uint8Array(B).fill(1),
  };
  const run = (n: number) => {
    for (let done = 0; done < n; done += B) {
      const k = Math.min(B, n - done);
      for (let i = 0; i < k; i++) batch.iova[i] = next() * PAGE;
      d.dmaBatch(batch, k);
    }
  };
  run(warm);
  const s0 = d.stats();
  run(accesses);
  const s = d.stats();
  assert.equal(s.translations - s0.translations, accesses);
  return (s.iotlbMisses - s0.iotlbMisses) / accesses;
}

function xorshift(seed: number): (n: number) => number {
  let s = seed | 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

const CASES: [string, number, number, number][] = [
  // name, entries, ways, N pages
  ["fully associative 64 entries (general LRU path), N = 128", 64, 64, 128],
  ["fully associative 64 entries (general LRU path), N = 1024", 64, 64, 1024],
  ["fully associative 8 entries (packed LRU), N = 32", 8, 8, 32],
  ["512 entries 8-way set-associative, N = 4096", 512, 8, 4096],
  ["512 entries 8-way set-associative, N = 2^20", 512, 8, 1 << 20],
];

for (const [name, entries, ways, n] of CASES) {
  Deno.test(`uniform random over N pages misses 1 − C/N: ${name}`, () => {
    const d = tlbDomain(entries, ways, n);
    const rnd = xorshift(entries * 7919 + n);
    const measured = missRate(d, () => rnd(n), 20 * entries, 200_000);
    const expected = 1 - entries / n;
    assert.ok(
      Math.abs(measured - expected) < 0.01,
      `miss rate ${measured.toFixed(4)}, theory ${expected.toFixed(4)}`,
    );
  });
}

for (const [entries, ways] of [[64, 64], [8, 8], [512, 8]]) {
  Deno.test(`cyclic sweep: C+1 pages always miss, C pages always hit (${entries} entries, ${ways} ways)`, () => {
    // For a set-associative cache, sweep one set's worth per set: pages
    // 0..(C+sets)-1 put ways+1 pages in every set.
    const sets = entries / ways;
    for (const [pages, expected] of [[entries + sets, 1], [entries, 0]]) {
      const d = tlbDomain(entries, ways, pages);
      let p = 0;
      const next = () => {
        const v = p;
        p = (p + 1) % pages;
        return v;
      };
      assert.equal(missRate(d, next, 3 * pages, 50 * pages), expected, `${pages} pages`);
    }
  });
}
