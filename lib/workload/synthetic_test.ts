import assert from "node:assert/strict";
import fc from "fast-check";
import { createBatch, opsBefore, opTimeNs } from "./mod.ts";
import { ringStride } from "./ring.ts";
import {
  CHI2_DF100_LOWER_0001,
  CHI2_DF100_UPPER_0001,
  CHI2_DF99_LOWER_0001,
  CHI2_DF99_UPPER_0001,
  chiSquare,
  generator,
  take,
  withinSigmas,
} from "./test_util.ts";

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

/** χ² of slot counts folded into 101 bins with exactly computed expectations. */
function slotChiSquare(
  iova: Float64Array,
  offset: number,
  accessSize: number,
  slots: number,
): number {
  const bins = new Float64Array(101);
  const expected = new Float64Array(101);
  const binOf = (slot: number) => Math.floor((slot * 101) / slots);
  for (const a of iova) bins[binOf((a - offset) / accessSize)]++;
  // slots per bin, exactly: the slots s with floor(s·101/slots) = b
  for (let b = 0; b < 101; b++) {
    const first = Math.ceil((b * slots) / 101), next = Math.ceil(((b + 1) * slots) / 101);
    expected[b] = ((next - first) / slots) * iova.length;
  }
  return chiSquare(bins, expected);
}

Deno.test("uniform: every slot equally likely, for each of the three draw paths (χ², df 100)", async () => {
  for (
    const [accessSize, workingSet, offset] of [
      [4096, 128 * 4096, 3 * MiB], // power of two: a shift
      [4096, 1000 * 4096, 0], // up to 2^21 slots: Lemire's method
      [64, 3 * 2 ** 21 * 64 + 64 * 7, 5 * GiB], // more: a 53-bit float
    ]
  ) {
    const g = await generator({ kind: "uniform", accessSize, workingSet, offset }, {
      memory: "8GiB",
    });
    const ops = take(g, 1_000_000);
    const slots = Math.floor(workingSet / accessSize);
    for (let i = 0; i < ops.iova.length; i++) {
      const rel = ops.iova[i] - offset;
      assert.ok(rel >= 0 && rel + accessSize <= workingSet && rel % accessSize === 0);
      assert.equal(ops.length[i], accessSize);
    }
    const x = slotChiSquare(ops.iova, offset, accessSize, slots);
    assert.ok(
      x > CHI2_DF100_LOWER_0001 && x < CHI2_DF100_UPPER_0001,
      `${slots} slots: χ² = ${
        x.toFixed(1)
      }, 0.001 bounds ${CHI2_DF100_LOWER_0001}..${CHI2_DF100_UPPER_0001}`,
    );
    assert.deepEqual(g.ranges, [{ start: offset, end: offset + slots * accessSize }]);
  }
});

Deno.test("uniform: each pair of slots is as likely as any other (no serial correlation)", async () => {
  // Consecutive operations as a pair (slot_k mod 10, slot_{k+1} mod 10):
  // 100 equally likely cells, df 99.
  const g = await generator({ kind: "uniform", accessSize: 4096, workingSet: 1010 * 4096 });
  const ops = take(g, 1_000_000);
  const cells = new Float64Array(100);
  for (let i = 0; i + 1 < ops.iova.length; i += 2) {
    cells[((ops.iova[i] / 4096) % 10) * 10 + ((ops.iova[i + 1] / 4096) % 10)]++;
  }
  const x = chiSquare(cells, new Float64Array(100).fill(500_000 / 100));
  assert.ok(x > CHI2_DF99_LOWER_0001 && x < CHI2_DF99_UPPER_0001, `χ² = ${x.toFixed(1)}`);
});

Deno.test("writeFraction: the share of writes is within 4σ; 0 and 1 are exact", async () => {
  for (const kind of ["uniform", "zipf", "ring", "stream"] as const) {
    for (const writeFraction of [0, 0.3, 0.5, 0.97, 1]) {
      const n = 400_000;
      const ops = take(await generator({ kind, writeFraction }), n);
      const writes = ops.write.reduce((a, b) => a + b, 0);
      assert.ok(ops.write.every((w) => w === 0 || w === 1));
      if (writeFraction === 0 || writeFraction === 1) {
        assert.equal(writes, writeFraction * n, `${kind} ${writeFraction}`);
      } else {
        assert.ok(
          withinSigmas(writes / n, writeFraction, n),
          `${kind}: ${writes / n} vs ${writeFraction}`,
        );
      }
    }
  }
});

Deno.test("writeFraction does not move addresses (separate streams)", async () => {
  const a = take(await generator({ kind: "zipf", writeFraction: 0.1 }), 10_000);
  const b = take(await generator({ kind: "zipf", writeFraction: 0.9 }), 10_000);
  assert.deepEqual(a.iova, b.iova);
  assert.notDeepEqual(a.write, b.write);
});

Deno.test("time: operation k is at k·1e9/rate ns, and [0, T) holds ceil(T·rate/1e9) of them", async () => {
  for (const rate of [1, 3e6, 2e6, 7_777_777, 1e7]) {
    const g = await generator({ kind: "uniform", rate });
    const batch = createBatch(1 << 16, { time: true });
    let issued = 0;
    for (const T of [0, 1, 999, 1e6, 1e6 + 1, 3_333_334, 5e7, 1e8]) {
      // Exact rational count with BigInt: #{k ≥ 0 : k·1e9 < T·rate}.
      const exact = Number((BigInt(T) * BigInt(rate) + 999_999_999n) / 1_000_000_000n);
      assert.equal(opsBefore(T, rate), exact, `rate ${rate}, T ${T}`);
      let n: number;
      while ((n = g.fill(batch, T)) > 0) {
        for (let i = 0; i < n; i++) {
          const k = issued + i;
          assert.equal(batch.timeNs![i], opTimeNs(k, rate));
          assert.ok(
            Math.abs(batch.timeNs![i] - k * (1e9 / rate)) <= 1e-9 * batch.timeNs![i] + 1e-9,
          );
          assert.ok(batch.timeNs![i] < T);
        }
        issued += n;
      }
      assert.equal(issued, exact, `rate ${rate}: ops before ${T} ns`);
      assert.equal(g.issued, exact);
      assert.equal(g.nowNs, opTimeNs(exact, rate));
      assert.ok(g.nowNs >= T);
    }
  }
});

Deno.test("time: rate 0 issues nothing; fill refuses NaN", async () => {
  const g = await generator({ kind: "stream", rate: 0 });
  assert.equal(g.fill(createBatch(16), 1e12), 0);
  assert.equal(g.nowNs, Infinity);
  assert.throws(() => g.fill(createBatch(16), NaN), /NaN/);
});

Deno.test("fill stops at the batch capacity and resumes where it stopped", async () => {
  const g = await generator({ kind: "uniform", rate: 1e6 });
  const batch = createBatch(100);
  assert.equal(g.fill(batch, 1e6), 100); // 1000 due, capacity 100
  assert.equal(g.nowNs, 100_000);
  let total = 100, n;
  while ((n = g.fill(batch, 1e6)) > 0) total += n;
  assert.equal(total, 1000);
  assert.throws(
    () =>
      g.fill(
        { iova: new Float64Array(4), length: new Uint32Array(3), write: new Uint8Array(4) },
        1,
      ),
    /differ in length/,
  );
});

Deno.test("the operations do not depend on how fill() calls are split (property)", async () => {
  const kinds = [
    { kind: "uniform", workingSet: 1000 * 4096 },
    { kind: "zipf", workingSet: "32MiB", s: 1.1 },
    { kind: "ring", buffers: 16, bufferSize: 4096, accessSize: 1500 },
    { kind: "stream", workingSet: 64 * 4096 },
    {
      kind: "mix",
      parts: [{ kind: "uniform", weight: 1 }, { kind: "ring", weight: 2 }, {
        kind: "zipf",
        weight: 1,
      }],
    },
  ] as const;
  const reference = await Promise.all(kinds.map(async (w) => take(await generator(w), 3000, 3000)));
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: kinds.length - 1 }),
      fc.integer({ min: 1, max: 700 }),
      fc.array(fc.integer({ min: 1, max: 3_000_000 }), { minLength: 1, maxLength: 6 }),
      async (which, capacity, cuts) => {
        const g = await generator(kinds[which]);
        const batch = createBatch(capacity);
        const got: number[] = [];
        for (const until of [...cuts.sort((a, b) => a - b), 3000 * 1000]) {
          let n;
          while ((n = g.fill(batch, until)) > 0) got.push(...batch.iova.subarray(0, n));
        }
        assert.deepEqual(got, [...reference[which].iova]);
      },
    ),
    { numRuns: 40, seed: 5 },
  );
});

Deno.test("determinism: the same seed gives identical arrays; another seed differs", async () => {
  for (const kind of ["uniform", "zipf", "ring", "stream"] as const) {
    const w = { kind, writeFraction: 0.5 };
    const a = take(await generator(w, { seed: 42 }), 20_000);
    const b = take(await generator(w, { seed: 42 }), 20_000);
    const c = take(await generator(w, { seed: 43 }), 20_000);
    assert.deepEqual(a, b, kind);
    assert.notDeepEqual(a.write, c.write, kind);
    if (kind === "uniform" || kind === "zipf") assert.notDeepEqual(a.iova, c.iova, kind);
  }
});

Deno.test("stream: sequential slots from offset, every slot once per sweep, wrapping", async () => {
  const offset = 8 * MiB, accessSize = 8192, slots = 1000;
  const g = await generator({
    kind: "stream",
    offset,
    accessSize,
    workingSet: slots * accessSize + 100,
  });
  const ops = take(g, 2500);
  for (let k = 0; k < 2500; k++) {
    assert.equal(ops.iova[k], offset + (k % slots) * accessSize);
    assert.equal(ops.length[k], accessSize);
  }
  assert.equal(new Set(ops.iova.subarray(0, slots)).size, slots);
  assert.deepEqual(ops.iova.subarray(slots, 2 * slots), ops.iova.subarray(0, slots));
  assert.deepEqual(g.ranges, [{ start: offset, end: offset + slots * accessSize }]);
});

Deno.test("ring: buffers in strict order, reused every K buffers, spread over the working set", async () => {
  const buffers = 64, bufferSize = 4096, accessSize = 1500, offset = 1 * GiB;
  const workingSet = 64 * MiB;
  const g = await generator({ kind: "ring", buffers, bufferSize, accessSize, offset, workingSet });
  const stride = ringStride(
    { buffers, bufferSize, workingSet } as Parameters<typeof ringStride>[0],
  );
  assert.equal(stride, 1 * MiB); // 4 KiB × floor(64 MiB / (64 × 4 KiB))
  const chunks = 3; // 1500 + 1500 + 1096
  const period = buffers * chunks;
  const ops = take(g, 3 * period);
  for (let k = 0; k < ops.iova.length; k++) {
    const buffer = Math.floor(k / chunks) % buffers, chunk = k % chunks;
    assert.equal(ops.iova[k], offset + buffer * stride + chunk * accessSize, `op ${k}`);
    assert.equal(ops.length[k], chunk < 2 ? 1500 : 1096);
    assert.equal(ops.iova[k], ops.iova[(k + period) % ops.iova.length]);
  }
  // Within one period each buffer is filled exactly once, in order.
  const starts = [...ops.iova.subarray(0, period)].filter((_, k) => k % chunks === 0);
  assert.deepEqual(starts, Array.from({ length: buffers }, (_, b) => offset + b * stride));
  assert.equal(g.ranges.length, buffers);
  assert.deepEqual(g.ranges[1], { start: offset + stride, end: offset + stride + bufferSize });
});

Deno.test("ring: accessSize ≥ bufferSize writes each buffer whole; contiguous when it fills the set", async () => {
  const g = await generator({
    kind: "ring",
    buffers: 8,
    bufferSize: "2KiB",
    accessSize: "4KiB",
    workingSet: 8 * 2048,
  });
  const ops = take(g, 16);
  assert.deepEqual([...ops.iova.subarray(0, 9)], [
    0,
    2048,
    4096,
    6144,
    8192,
    10240,
    12288,
    14336,
    0,
  ]);
  assert.ok(ops.length.every((l) => l === 2048));
  assert.deepEqual(g.ranges, [{ start: 0, end: 8 * 2048 }]);
});
