// Cache theory the IOTLB must obey (the independent reference model):
// - uniform random accesses over N pages with an LRU cache of C entries
//   (fully associative, or set-associative with the pages spread evenly over
//   the sets) miss with probability exactly 1 − C/N once warm: every page is
//   equally likely and the cache always holds C of them (King, "Analysis of
//   demand paging algorithms", IFIP 1971; Fagin & Price 1978). Each access
//   misses with probability p = 1 − C/N whatever came before, so the miss
//   count over n accesses has the binomial variance n·p(1 − p). Tolerance:
//   5 standard deviations, sqrt(p(1 − p)/n) each — for N = 2^20, C = 512
//   that is ±0.00025 around 0.99951, so an IOTLB that never hits fails.
// - a cyclic sweep over more than C pages misses every time under LRU (each
//   page was evicted C+1 accesses ago); a sweep over exactly C pages then
//   always hits.

import assert from "node:assert/strict";
import { testDomain } from "./test_util.ts";
import type { DmaBatch, Domain } from "./types.ts";

const PAGE = 4096;
const B = 4096;

function tlbDomain(entries: number, ways: number, pages: number): Domain {
  const d = testDomain({ memory: 2 ** 30, pageSize: PAGE, iotlb: { entries, ways } });
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
  ["fully associative 64 entries (tag hash, recency lists), N = 128", 64, 64, 128],
  ["fully associative 64 entries (tag hash, recency lists), N = 1024", 64, 64, 1024],
  ["fully associative 8 entries (packed LRU), N = 32", 8, 8, 32],
  ["512 entries 8-way set-associative, N = 4096", 512, 8, 4096],
  ["512 entries 8-way set-associative, N = 2^20", 512, 8, 1 << 20],
];

for (const [name, entries, ways, n] of CASES) {
  Deno.test(`uniform random over N pages misses 1 − C/N: ${name}`, () => {
    const d = tlbDomain(entries, ways, n);
    const rnd = xorshift(entries * 7919 + n);
    const accesses = 200_000;
    const measured = missRate(d, () => rnd(n), 20 * entries, accesses);
    const expected = 1 - entries / n;
    const tolerance = 5 * Math.sqrt((expected * (1 - expected)) / accesses);
    assert.ok(
      Math.abs(measured - expected) < tolerance,
      `miss rate ${measured.toFixed(5)}, theory ${expected.toFixed(5)} ± ${tolerance.toFixed(5)}`,
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
