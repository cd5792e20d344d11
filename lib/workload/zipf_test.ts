import assert from "node:assert/strict";
import fc from "fast-check";
import { FeistelPermutation } from "./permutation.ts";
import { Rng } from "./rng.ts";
import { CHI2_DF100_UPPER_0001, chiSquare, generator, take, withinSigmas } from "./test_util.ts";
import { powerSum, zipfPageCount, zipfPmf, ZipfSampler, ZipfSource, ZipfTable } from "./zipf.ts";

const MiB = 1024 * 1024, GiB = 1024 * MiB;

Deno.test("zipfPmf reproduces the harmonic number H_10 = 7381/2520", () => {
  // H_{10,1} = 1 + 1/2 + ... + 1/10 = 7381/2520 (OEIS A001008/A002805), so
  // P(rank 1) = 2520/7381 and P(rank 10) = 252/7381.
  const p = zipfPmf(10, 1);
  assert.ok(Math.abs(p(1) - 2520 / 7381) < 1e-15);
  assert.ok(Math.abs(p(10) - 252 / 7381) < 1e-15);
  const q = zipfPmf(1000, 0.7);
  let sum = 0;
  for (let r = 1; r <= 1000; r++) sum += q(r);
  assert.ok(Math.abs(sum - 1) < 1e-12);
});

/**
 * Rank counts of `n` samples against 1/(r^s·H_{N,s}): ranks 1..10 each within
 * 4 standard errors, and a χ² over ranks 1..100 plus one bin for the rest
 * (101 bins, df 100) below the 0.001 critical value.
 */
function checkRanks(ranks: ArrayLike<number>, pages: number, s: number, label: string) {
  const n = ranks.length;
  const pmf = zipfPmf(pages, s);
  const counts = new Float64Array(101);
  for (let i = 0; i < n; i++) {
    const r = ranks[i];
    assert.ok(Number.isInteger(r) && r >= 1 && r <= pages, `${label}: rank ${r}`);
    counts[r <= 100 ? r - 1 : 100]++;
  }
  const expected = new Float64Array(101);
  let head = 0;
  for (let r = 1; r <= 100; r++) head += expected[r - 1] = pmf(r) * n;
  expected[100] = n - head;
  for (let r = 1; r <= 10; r++) {
    assert.ok(
      withinSigmas(counts[r - 1] / n, pmf(r), n),
      `${label}: rank ${r} frequency ${counts[r - 1] / n} vs 1/(r^s·H) = ${pmf(r)}`,
    );
  }
  const x = chiSquare(counts, expected);
  assert.ok(x < CHI2_DF100_UPPER_0001, `${label}: χ² = ${x.toFixed(1)}`);
}

Deno.test("rejection-inversion alone: rank frequencies follow 1/(r^s·H_{N,s}) for s below, at and above 1", () => {
  const rng = Rng.fromSeed(21);
  const u = () => rng.nextFloat();
  for (const [pages, s] of [[16384, 0.99], [16384, 1], [1000, 0.5], [50_000, 1.5], [200, 2.5]]) {
    const sampler = new ZipfSampler(pages, s);
    const ranks = new Float64Array(400_000);
    for (let i = 0; i < ranks.length; i++) ranks[i] = sampler.sample(u(), u);
    checkRanks(ranks, pages, s, `N ${pages}, s ${s}`);
  }
});

Deno.test("table head + rejection-inversion tail: right frequencies on both sides of the seam", () => {
  // A 40-rank table makes ranks 41.. come from the tail sampler, inside the
  // χ² window of ranks 1..100.
  const rng = Rng.fromSeed(22);
  const u = () => rng.nextFloat();
  for (const [pages, s] of [[5000, 0.99], [5000, 1], [100_000, 0.7], [3000, 1.3]]) {
    const table = new ZipfTable(pages, s, 40);
    assert.equal(table.headRanks, 40);
    const pmf = zipfPmf(pages, s);
    let head = 0;
    for (let r = 1; r <= 40; r++) head += pmf(r);
    assert.ok(Math.abs(table.pHead - head) < 1e-12, `pHead ${table.pHead} vs ${head}`);
    const ranks = new Float64Array(400_000);
    for (let i = 0; i < ranks.length; i++) ranks[i] = table.sample(u(), u);
    checkRanks(ranks, pages, s, `table 40 of ${pages}, s ${s}`);
    let seam = 0; // ranks 41..60, just past the table
    for (const r of ranks) if (r > 40 && r <= 60) seam++;
    let pSeam = 0;
    for (let r = 41; r <= 60; r++) pSeam += pmf(r);
    assert.ok(
      withinSigmas(seam / ranks.length, pSeam, ranks.length),
      `seam ${seam / ranks.length} vs ${pSeam}`,
    );
  }
});

Deno.test("Euler–Maclaurin tail sums match direct summation", () => {
  for (const s of [0.5, 0.99, 1, 1.2, 2]) {
    for (const [a, b] of [[4097, 100_000], [65537, 1 << 20], [65537, 65537]]) {
      let exact = 0;
      for (let r = b; r >= a; r--) exact += Math.pow(r, -s);
      const em = powerSum(a, b, s);
      assert.ok(Math.abs(em - exact) <= 1e-11 * exact, `s ${s}, ${a}..${b}: ${em} vs ${exact}`);
    }
  }
});

Deno.test("zipf workload: contiguous hot set, rank r at page r − 1", async () => {
  const offset = 256 * MiB, workingSet = 64 * MiB;
  const g = await generator({ kind: "zipf", s: 0.99, scatter: false, offset, workingSet });
  const ops = take(g, 1_000_000);
  const ranks = ops.iova.map((a) => (a - offset) / 4096 + 1);
  checkRanks(ranks, 16384, 0.99, "contiguous");
  assert.ok(ops.length.every((l) => l === 4096));
});

Deno.test("zipf workload: scatter spreads the hot ranks, same frequencies through the permutation", async () => {
  const workingSet = 64 * MiB;
  const c = { kind: "zipf", s: 0.99, scatter: true, workingSet } as const;
  const g = await generator(c);
  const ops = take(g, 1_000_000);
  // The same permutation as the generator's: its stream is derived from the seed.
  const src = new ZipfSource(
    { ...c, writeFraction: 0.5, accessSize: 4096, offset: 0 },
    {
      stream: (l) => Rng.fromSeed(1, "workload").derive(l),
      guestMemory: 4 * GiB,
      key: "workload",
    },
  );
  checkRanks(ops.iova.map((a) => src.rankOfPage(a / 4096)), 16384, 0.99, "scatter");
  // The 64 hottest pages fall in many 2 MiB regions, not in the first one.
  const regions = new Set(Array.from({ length: 64 }, (_, r) => src.pageOfRank(r + 1) >> 9));
  assert.ok(regions.size >= 20, `hot pages in ${regions.size} of 32 2 MiB regions`);
});

Deno.test("zipf workload: millions of pages (64 GiB) sample the right head and tail", async () => {
  const workingSet = 64 * GiB;
  const pages = zipfPageCount({ workingSet, accessSize: 4096 });
  assert.equal(pages, 2 ** 24);
  // How fast it starts is the bench's job (benchZipfStart in workload_bench.ts).
  const g = await generator({ kind: "zipf", s: 0.9, scatter: false, workingSet }, {
    memory: "128GiB",
  });
  const ops = take(g, 400_000);
  const ranks = ops.iova.map((a) => a / 4096 + 1);
  checkRanks(ranks, pages, 0.9, "2^24 pages");
  // Past the table (2^16 ranks) the tail sampler and the Euler–Maclaurin mass
  // must agree with direct summation too: ranks in (2^16, 2^20] and beyond.
  const pmf = zipfPmf(pages, 0.9);
  for (const [lo, hi] of [[2 ** 16, 2 ** 20], [2 ** 20, 2 ** 24]]) {
    let p = 0;
    for (let r = lo + 1; r <= hi; r++) p += pmf(r);
    const got = ranks.filter((r) => r > lo && r <= hi).length / ranks.length;
    assert.ok(withinSigmas(got, p, ranks.length), `ranks ${lo}..${hi}: ${got} vs ${p}`);
  }
});

Deno.test("zipf: s = 0 is uniform over the pages; accessSize > 4 KiB stays inside the working set", async () => {
  const g = await generator({ kind: "zipf", s: 0, scatter: false, workingSet: 101 * 4096 });
  const ops = take(g, 202_000);
  const counts = new Float64Array(101);
  for (const a of ops.iova) counts[a / 4096]++;
  assert.ok(chiSquare(counts, new Float64Array(101).fill(2000)) < CHI2_DF100_UPPER_0001);

  const big = await generator({
    kind: "zipf",
    accessSize: 3 * 4096 + 5,
    workingSet: 40 * 4096,
    offset: 4096,
  });
  const b = take(big, 50_000);
  assert.equal(zipfPageCount({ workingSet: 40 * 4096, accessSize: 3 * 4096 + 5 }), 37);
  for (const a of b.iova) {
    assert.ok(a >= 4096 && a + 3 * 4096 + 5 <= 41 * 4096 && a % 4096 === 0);
  }
  assert.deepEqual(big.ranges, [{ start: 4096, end: 4096 + 36 * 4096 + 3 * 4096 + 5 }]);
});

Deno.test("Feistel permutation: a bijection on [0, n) that inverts (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
      const p = new FeistelPermutation(n, Rng.fromSeed(seed));
      const seen = new Uint8Array(n);
      for (let x = 0; x < n; x++) {
        const y = p.apply(x);
        assert.ok(Number.isInteger(y) && y >= 0 && y < n);
        assert.equal(seen[y], 0);
        seen[y] = 1;
        assert.equal(p.invert(y), x);
      }
    }),
    { numRuns: 60, seed: 9 },
  );
  // The largest domain: 2^32, halves of 16 bits.
  const p = new FeistelPermutation(2 ** 32, Rng.fromSeed(1));
  for (const x of [0, 1, 2 ** 31, 2 ** 32 - 1, 123456789]) {
    const y = p.apply(x);
    assert.ok(y >= 0 && y < 2 ** 32);
    assert.equal(p.invert(y), x);
  }
});
