// The fast Zipf paths give the same ranks as the plain algorithm, not just
// the same distribution: ZipfSource against a reference that draws each
// operation with Rng.nextFloat and ZipfTable.sample (the generator as it was
// before the cell table, the cold formula and the tail's pieces), and the two
// formulas at their own decision points, where a rounding would show first.

import assert from "node:assert/strict";
import fc from "fast-check";
import { FeistelPermutation } from "./permutation.ts";
import { Rng } from "./rng.ts";
import type { SourceContext } from "./source.ts";
import type { DmaBatch } from "./types.ts";
import { type ZipfFields, zipfPageCount, ZipfSource, ZipfTable } from "./zipf.ts";
import { CELL_BITS, coldIndex, tailRank, ZipfHead } from "./zipf_head.ts";
import { hatIntegralInverse } from "./zipf_tail.ts";

const TWO_POW_53 = 2 ** 53;
const TWO_POW_32 = 2 ** 32;

function context(seed: number): SourceContext {
  const root = Rng.fromSeed(seed, "workload");
  return { stream: (l) => root.derive(l), guestMemory: 2 ** 46, key: "workload" };
}

/** The operations of a zipf config drawn one at a time with the reference streams. */
function reference(c: ZipfFields, seed: number, headRanks: number) {
  const ctx = context(seed);
  const pages = zipfPageCount(c);
  const perm = c.scatter ? new FeistelPermutation(pages, ctx.stream("permutation")) : null;
  const table = c.s > 0 ? new ZipfTable(pages, c.s, headRanks) : null;
  const address = ctx.stream("address"), writes = ctx.stream("write");
  const threshold = c.writeFraction * TWO_POW_32;
  let redraws = 0;
  const next = () => {
    redraws++;
    return address.nextFloat();
  };
  return {
    get redraws() {
      return redraws;
    },
    take(n: number) {
      const iova = new Float64Array(n), write = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const u = address.nextFloat();
        const index = table === null ? Math.floor(u * pages) : table.sample(u, next) - 1;
        iova[i] = c.offset + (perm === null ? index : perm.apply(index)) * 4096;
        write[i] = threshold <= 0
          ? 0
          : threshold >= TWO_POW_32
          ? 1
          : +(writes.nextU32() < threshold);
      }
      return { iova, write };
    },
  };
}

/** ZipfSource's first `n` operations through emit() calls of the given sizes and offsets. */
function emitted(src: ZipfSource, n: number, splits: number[], accessSize: number) {
  const batch: DmaBatch = {
    iova: new Float64Array(n + 64),
    length: new Uint32Array(n + 64),
    write: new Uint8Array(n + 64),
  };
  const iova = new Float64Array(n), write = new Uint8Array(n);
  for (let done = 0, k = 0; done < n; k++) {
    const count = Math.min(n - done, splits[k % splits.length]);
    const at = k % 7; // emit into the middle of a batch too
    src.emit(batch, at, count);
    iova.set(batch.iova.subarray(at, at + count), done);
    write.set(batch.write.subarray(at, at + count), done);
    for (let i = at; i < at + count; i++) assert.equal(batch.length[i], accessSize);
    done += count;
  }
  return { iova, write };
}

function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, label: string) {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      assert.fail(`${label}: operation ${i}: ${got[i]} instead of ${want[i]}`);
    }
  }
}

Deno.test("ZipfSource draws the reference's operations, however emit() is split", () => {
  const cases: [string, Partial<ZipfFields>, number][] = [
    ["2^20 scatter s=0.99", { workingSet: 2 ** 32, s: 0.99, scatter: true }, 2 ** 16],
    ["demo s=1.2", { workingSet: 2 ** 28, s: 1.2, writeFraction: 0.1 }, 2 ** 16],
    ["2^24 s=0.9", { workingSet: 2 ** 36, s: 0.9 }, 2 ** 16],
    ["1000 pages s=2.5 scatter", { workingSet: 1000 * 4096, s: 2.5, scatter: true }, 2 ** 16],
    ["10^4+7 pages s=0.7 scatter", { workingSet: 10_007 * 4096, s: 0.7, scatter: true }, 2 ** 16],
    ["s=0 scatter", { workingSet: 5 * 2 ** 20, s: 0, scatter: true }, 2 ** 16],
    // A table of 3 ranks: the tail starts at rank 4, where the first attempt
    // is rejected now and then and every later draw moves.
    ["head of 3, tail from rank 4", { workingSet: 2 ** 30, s: 1.1, scatter: true }, 3],
    ["head of 40, s=0.6", { workingSet: 2 ** 26, s: 0.6, writeFraction: 1 }, 40],
    ["head of 1, s=3", { workingSet: 2 ** 24, s: 3, writeFraction: 0 }, 1],
  ];
  for (const [label, fields, headRanks] of cases) {
    const c: ZipfFields = {
      writeFraction: 0.5,
      accessSize: 4096,
      offset: 3 * 4096,
      s: 0.99,
      scatter: false,
      workingSet: 2 ** 26,
      ...fields,
    };
    const n = 300_000;
    const ref = reference(c, 5, headRanks);
    const want = ref.take(n);
    if (headRanks === 3) assert.ok(ref.redraws > 10, `${label}: only ${ref.redraws} rejections`);
    for (const splits of [[65536], [1, 2047, 2048, 2049, 17, 5000]]) {
      const got = emitted(new ZipfSource(c, context(5), headRanks), n, splits, c.accessSize);
      assertSame(got.iova, want.iova, `${label}, emits of ${splits}`);
      assertSame(got.write, want.write, `${label} writes, emits of ${splits}`);
    }
  }
});

Deno.test("ZipfSource matches the reference over random configs (property)", () => {
  fc.assert(
    fc.property(
      fc.record({
        pages: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 60_000, max: 3e6 })),
        s: fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 4, noNaN: true })),
        scatter: fc.boolean(),
        writeFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        headRanks: fc.oneof(fc.constant(2 ** 16), fc.integer({ min: 1, max: 300 })),
        seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      ({ pages, s, scatter, writeFraction, headRanks, seed }) => {
        const c: ZipfFields = {
          writeFraction,
          accessSize: 4096,
          offset: 0,
          s,
          scatter,
          workingSet: pages * 4096,
        };
        const n = 20_000;
        const want = reference(c, seed, headRanks).take(n);
        const got = emitted(new ZipfSource(c, context(seed), headRanks), n, [777, 3001], 4096);
        assertSame(got.iova, want.iova, JSON.stringify({ pages, s, scatter, headRanks, seed }));
        assertSame(got.write, want.write, "writes");
      },
    ),
    { numRuns: 40, seed: 15 },
  );
});

/** The largest U in [lo, hi] with pred(U), pred monotone (true, then false); lo − 1 if none. */
function lastTrue(lo: number, hi: number, pred: (u: number) => boolean): number {
  if (!pred(lo)) return lo - 1;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (pred(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

Deno.test("tail pieces: where they answer, the exact first attempt agrees, also at its rounding and cut points", () => {
  // [N, s, head ranks, the least share of draws the pieces must answer]: a
  // small tail has few cells, so coarse pieces (the rest take the exact path).
  const configs: [number, number, number, number][] = [
    [2 ** 20, 0.99, 2 ** 16, 0.95],
    [2 ** 24, 0.9, 2 ** 16, 0.95],
    [2 ** 22, 0.5, 2 ** 16, 0.95],
    [2 ** 18 + 3, 1, 2 ** 16, 0.95],
    [2 ** 16 + 1, 1.5, 2 ** 16, 0.9],
    [2 ** 32, 0.99, 2 ** 16, 0.9],
    [2 ** 30, 1.3, 2 ** 16, 0.7],
    [5000, 0.99, 40, 0.9],
    [3000, 2.5, 3, 0.9],
  ];
  const rng = Rng.fromSeed(31);
  for (const [n, s, headRanks, least] of configs) {
    const table = new ZipfTable(n, s, headRanks);
    const tail = table.tail!;
    const head = new ZipfHead(table, new Uint32Array(table.headRanks));
    const pHead = table.pHead, first = Math.ceil(pHead * TWO_POW_53), last = TWO_POW_53 - 1;
    const v = (u: number) => (u * 2 ** -53 - pHead) / (1 - pHead);
    // x as the exact path computes it, decreasing in U.
    const x = (u: number) => hatIntegralInverse(tail.hHigh + v(u) * tail.span, s);
    let answered = 0, checked = 0;
    const check = (u: number) => {
      if (u < first || u > last) return;
      const fast = tailRank(head, table, u);
      checked++;
      if (fast === 0) return;
      answered++;
      const exact = tail.firstAttemptExact(v(u));
      if (fast !== exact) assert.fail(`N ${n}, s ${s}: U ${u}: pieces ${fast}, exact ${exact}`);
    };
    for (let i = 0; i < 20_000; i++) check(first + Math.floor(rng.nextFloat() * (last - first)));
    assert.ok(answered > least * checked, `N ${n}, s ${s}: pieces answered ${answered}/${checked}`);
    for (let i = 0; i < 300; i++) {
      // A rank log-uniform over the tail; its rounding point x = k + 1/2 and its cut x = k − cut.
      const k = Math.min(n, Math.floor(tail.firstRank * (n / tail.firstRank) ** rng.nextFloat()));
      for (const edge of [k + 0.5, k - tail.cut]) {
        const at = lastTrue(first, last, (u) => x(u) >= edge);
        for (let d = -40; d <= 40; d++) check(at + d);
      }
    }
  }
});

Deno.test("cold formula: where it answers, the head search agrees, also at every threshold it meets", () => {
  const configs: [number, number][] = [
    [2 ** 20, 0.99],
    [2 ** 16, 1.2],
    [2 ** 14, 0.99],
    [2 ** 24, 0.9],
    [65536, 0.5],
    [2 ** 16, 2],
    [2 ** 22, 1.05],
  ];
  const rng = Rng.fromSeed(32);
  for (const [n, s] of configs) {
    const table = new ZipfTable(n, s);
    const m = table.headRanks;
    const head = new ZipfHead(table, new Uint32Array(m));
    assert.ok(head.coldFirst < m && head.coldPieces.length > 0, `N ${n}, s ${s}: no cold ranks`);
    const t = head.t, pHead = table.pHead;
    const exact = (u: number) => table.headIndex((u * 2 ** -53) / pHead);
    // The thresholds themselves: the least U from which cdf[i] ≤ v holds.
    for (let k = 0; k < 2000; k++) {
      const i = Math.floor(rng.nextFloat() * m);
      assert.ok(exact(t[i]) > i && (t[i] === 0 || exact(t[i] - 1) <= i), `t[${i}]`);
    }
    let answered = 0, checked = 0;
    const cold = (u: number) => {
      const e = head.cell[Math.floor(u / 2 ** (53 - CELL_BITS))];
      return e < 0 && (e & 3) === 0;
    };
    const check = (u: number) => {
      if (u < 0 || u >= head.fastEnd || !cold(u)) return;
      const r = coldIndex(head, u);
      checked++;
      if (r < 0) return;
      answered++;
      if (r !== exact(u)) assert.fail(`N ${n}, s ${s}: U ${u}: formula ${r}, search ${exact(u)}`);
    };
    const lo = t[head.coldFirst - 1], hi = head.fastEnd;
    for (let k = 0; k < 20_000; k++) check(lo + Math.floor(rng.nextFloat() * (hi - lo)));
    assert.ok(answered > 0.9 * checked, `N ${n}, s ${s}: formula answered ${answered}/${checked}`);
    for (let i = head.coldFirst - 1; i < m; i += 1 + Math.floor(rng.nextFloat() * 7)) {
      for (let d = -12; d <= 12; d++) check(t[i] + d);
    }
  }
});
