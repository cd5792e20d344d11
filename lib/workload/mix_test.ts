import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { createWorkload, KNOWN_WORKLOAD_KINDS, WorkloadError } from "./mod.ts";
import { mergeRanges } from "./mix.ts";
import { generator, take, withinSigmas } from "./test_util.ts";

const MiB = 1024 * 1024;

Deno.test("mix: each part gets its weight's share of operations (within 4σ)", async () => {
  const weights = [1, 2, 3, 0.5];
  const g = await generator({
    kind: "mix",
    rate: "3M/s",
    workingSet: "16MiB",
    parts: [
      { kind: "uniform", weight: 1, offset: 0 },
      { kind: "zipf", weight: 2, offset: 16 * MiB },
      { kind: "ring", weight: 3, offset: 32 * MiB },
      { kind: "stream", weight: 0.5, offset: 48 * MiB },
    ],
  });
  const n = 650_000;
  const ops = take(g, n);
  const counts = [0, 0, 0, 0];
  for (const a of ops.iova) counts[Math.floor(a / (16 * MiB))]++;
  const total = weights.reduce((a, b) => a + b);
  weights.forEach((w, j) => {
    assert.ok(
      withinSigmas(counts[j] / n, w / total, n),
      `part ${j}: ${counts[j] / n} vs ${w / total}`,
    );
  });
  // The outer rate governs timing.
  assert.equal(ops.timeNs[3], 1000);
  // The ranges, merged where they touch: uniform's + zipf's + the ring's first
  // buffer, the ring's other 255 buffers, the stream's. Every access is inside one.
  assert.equal(g.ranges.length, 1 + 255 + 1);
  assert.deepEqual(g.ranges[0], { start: 0, end: 32 * MiB + 2048 });
  for (let i = 0; i < 10_000; i++) {
    const a = ops.iova[i], end = a + ops.length[i];
    assert.ok(g.ranges.some((r) => r.start <= a && end <= r.end), `op ${i} at ${a}`);
  }
});

Deno.test("mix: a part's operations are the part's own sequence (stream parts stay sequential)", async () => {
  const g = await generator({
    kind: "mix",
    parts: [
      { kind: "stream", weight: 1, workingSet: "1MiB", offset: 0 },
      { kind: "uniform", weight: 1, workingSet: "1MiB", offset: 8 * MiB },
    ],
  });
  const ops = take(g, 10_000);
  const streamed = [...ops.iova].filter((a) => a < 8 * MiB);
  assert.ok(streamed.length > 4000);
  streamed.forEach((a, i) => assert.equal(a, (i % 256) * 4096));
});

Deno.test("mix: parts inherit the mix's common fields unless they set them", () => {
  const c = parseConfig({
    workload: {
      kind: "mix",
      writeFraction: 0.2,
      workingSet: "8MiB",
      accessSize: "8KiB",
      parts: [{ kind: "zipf", weight: 2 }, { kind: "ring", weight: 1, writeFraction: 1 }],
    },
  }).workload;
  assert.equal(c.kind, "mix");
  if (c.kind !== "mix") return;
  assert.equal(c.parts[0].writeFraction, 0.2);
  assert.equal(c.parts[0].workingSet, 8 * MiB);
  assert.equal(c.parts[0].accessSize, 8192);
  assert.equal(c.parts[1].writeFraction, 1);
});

Deno.test("mix: a part has no rate of its own (the mix times every operation)", () => {
  const r = parseConfig.bind(null, {
    workload: { kind: "mix", parts: [{ kind: "uniform", weight: 1, rate: "1M/s" }] },
  });
  assert.throws(r, /workload\.parts\[0\]: unknown key "rate"/);
});

Deno.test("mix: writes follow each part's writeFraction", async () => {
  const g = await generator({
    kind: "mix",
    parts: [
      { kind: "uniform", weight: 1, writeFraction: 0, offset: 0, workingSet: "1MiB" },
      { kind: "uniform", weight: 1, writeFraction: 1, offset: 8 * MiB, workingSet: "1MiB" },
    ],
  });
  const ops = take(g, 20_000);
  for (let i = 0; i < ops.iova.length; i++) {
    assert.equal(ops.write[i], ops.iova[i] >= 8 * MiB ? 1 : 0);
  }
});

Deno.test("mergeRanges sorts and merges overlapping and touching ranges", () => {
  assert.deepEqual(
    mergeRanges([{ start: 10, end: 20 }, { start: 0, end: 5 }, { start: 5, end: 8 }, {
      start: 15,
      end: 30,
    }]),
    [{ start: 0, end: 8 }, { start: 10, end: 30 }],
  );
});

Deno.test("an unknown kind is an error listing the known ones", async () => {
  assert.deepEqual(KNOWN_WORKLOAD_KINDS, ["uniform", "zipf", "ring", "stream", "mix", "trace"]);
  const c = parseConfig({}).workload;
  await assert.rejects(
    createWorkload({ ...c, kind: "zipff" } as unknown as typeof c, {
      seed: 1,
      guestMemory: 2 ** 30,
    }),
    (e: Error) =>
      e instanceof WorkloadError &&
      e.message === 'workload.kind: "zipff" is not one of uniform, zipf, ring, stream, mix, trace',
  );
});

Deno.test("an unvalidated config that breaks an invariant fails loudly, naming the key", async () => {
  const c = parseConfig({ workload: { workingSet: "1GiB" } }).workload;
  await assert.rejects(
    createWorkload(c, { seed: 1, guestMemory: 512 * MiB }),
    /workload: offset 0B \+ workingSet 1GiB is beyond guest memory 512MiB/,
  );
  await assert.rejects(
    createWorkload({ ...c, writeFraction: 2 }, { seed: 1, guestMemory: 2 ** 31 }),
    /workload\.writeFraction: 2 is not in \[0, 1\]/,
  );
  await assert.rejects(createWorkload(c, { seed: -1, guestMemory: 2 ** 31 }), /seed: -1/);
});
