// The sweep bench's rows (lib/sweep/sweep_bench.ts) against what its points
// are known to cost: on the fake engine, seed 1000 + k sleeps k ms, so
// simulate() alone takes at least the sum of the sleeps, a 1-worker sweep
// too, and 2 workers at least half of it. How much faster 2 workers are is a
// speed figure: the bench prints it; a loaded machine must not fail a test.
import assert from "node:assert/strict";
import { sweepBench } from "./sweep_bench.ts";
import { FAKE_ENGINE } from "../testing/helpers.ts";

Deno.test("bench rows: simulate alone, 1 and 2 workers, store writes, end to end, against known costs", async () => {
  const seeds = Array.from({ length: 8 }, (_, i) => 1100 + 10 * i); // 100, 110, ... 170 ms
  const sleepSec = seeds.reduce((s, seed) => s + (seed - 1000), 0) / 1000; // 1.08 s
  const rows = await sweepBench({ engine: FAKE_ENGINE, spec: { axes: { seed: seeds } } });
  assert.deepEqual(rows.map((r) => [r.name, r.workers, r.points]), [
    ["simulate alone", 0, 8],
    ["sweep", 1, 8],
    ["store writes", 1, 8],
    ["end-to-end", 1, 8],
    ["sweep", 2, 8],
    ["speed-up: 2 workers / 1 worker", 2, 8],
    ["store share of a 1-worker sweep's time", 1, 8],
  ], "every point run in every sweep (a fresh store each), none reused");
  const [alone, one, writes, e2e, two, speedup, share] = rows;
  // The targets: the ratio of the pairs' rates (a figure, not checked here
  // beyond being one), the store's share of a sweep.
  assert.ok(speedup.value! > 0 && speedup.value! <= 2.2, `speed-up ${speedup.value}`);
  assert.equal(speedup.target, ">= 1.85");
  assert.ok(share.value! > 0 && share.value! < 100, `share ${share.value} %`);
  assert.equal(share.met, share.value! < 5);
  // Time measured around the points, not a part of them or more than them.
  assert.ok(alone.seconds >= sleepSec && alone.seconds < sleepSec + 2, `${alone.seconds} s`);
  assert.ok(one.seconds >= sleepSec, `1 worker: ${one.seconds} s`);
  assert.ok(two.seconds >= sleepSec / 2, `2 workers: ${two.seconds} s`);
  // The store's writes happen inside the 1-worker sweep.
  assert.ok(writes.seconds > 0 && writes.seconds < one.seconds, `${writes.seconds} s`);
  // End to end is what the sweep adds to the points themselves: never negative.
  assert.ok(e2e.seconds > 0 && e2e.seconds < one.seconds, `${e2e.seconds} s`);
});
