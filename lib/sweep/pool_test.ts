// The worker pool: workers started before their points, each point's result
// exactly once, no point held behind a long one, a dead worker's later points
// run by its replacement, an engine that cannot load failing the run, and
// close() ending workers that were started and never used.

import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { type PoolResult, runPool, startPool } from "./pool.ts";
import { BUSY_SEED_BASE, CRASHING_SEED, FAILING_SEED } from "../testing/fake_engine.ts";
import { FAKE_ENGINE } from "../testing/helpers.ts";

const tasks = (seeds: number[]) => seeds.map((seed, id) => ({ id, config: parseConfig({ seed }) }));

Deno.test("pool: started early, every point's result once, with 1, 2 and 3 workers", async () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const byWorkers: string[][] = [];
  for (const workers of [1, 2, 3]) {
    const pool = startPool(FAKE_ENGINE, workers);
    await new Promise((r) => setTimeout(r, 50)); // the caller's set-up
    const got: PoolResult[] = [];
    await pool.run(tasks(seeds), { onResult: (r) => got.push(r) });
    assert.deepEqual(got.map((r) => r.id).sort((a, b) => a - b), seeds.map((_, i) => i));
    assert.ok(got.every((r) => r.ok));
    byWorkers.push(
      got.sort((a, b) => a.id - b.id).map((r) => JSON.stringify(r.ok ? r.summary : null)),
    );
  }
  assert.deepEqual(byWorkers[1], byWorkers[0]);
  assert.deepEqual(byWorkers[2], byWorkers[0]);
});

Deno.test("pool: no point waits behind a long one while another worker is idle", async () => {
  // The long point keeps its worker's thread busy, as a real simulate() does
  // (it cannot be interrupted); points 1-3 must all run on the other worker.
  const seeds = [BUSY_SEED_BASE + 1500, 1, 2, 3];
  const order: number[] = [];
  const pool = startPool(FAKE_ENGINE, 2);
  await new Promise((r) => setTimeout(r, 300)); // both workers loaded
  await pool.run(tasks(seeds), { onResult: (r) => order.push(r.id) });
  assert.deepEqual([...order].sort(), [0, 1, 2, 3], "each point once");
  assert.equal(order[order.length - 1], 0, `the long point ends last: ${order}`);
});

Deno.test("pool: a worker that dies fails its point only; the points after it run on its replacement", async () => {
  // One worker, so every later point must go to the worker that replaces it.
  const seeds = [1, CRASHING_SEED, 2, FAILING_SEED, 3];
  const got: PoolResult[] = [];
  await runPool(tasks(seeds), { engine: FAKE_ENGINE, workers: 1, onResult: (r) => got.push(r) });
  assert.equal(got.length, seeds.length);
  const byId = new Map(got.map((r) => [r.id, r]));
  assert.equal(new Set(got.map((r) => r.id)).size, seeds.length, "each point once");
  const crashed = byId.get(1)!;
  assert.ok(!crashed.ok && /worker died: .*crashes its worker/.test(crashed.error));
  const failed = byId.get(3)!;
  assert.ok(!failed.ok && /fails on purpose/.test(failed.error));
  for (const id of [0, 2, 4]) assert.ok(byId.get(id)!.ok, `point ${id} ran`);
});

Deno.test("pool: an engine that cannot be loaded rejects the run", async () => {
  const bad = new URL("../testing/no_such_engine.ts", import.meta.url).href;
  await assert.rejects(
    runPool(tasks([1, 2]), { engine: bad, workers: 2, onResult: () => {} }),
    /cannot load the engine/,
  );
});

Deno.test("pool: close ends unused workers", async () => {
  // The real Worker, watched: which workers the pool starts and which it ends.
  const started: Worker[] = [];
  const ended = new Set<Worker>();
  const RealWorker = globalThis.Worker;
  globalThis.Worker = class extends RealWorker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      started.push(this);
    }
    override terminate() {
      ended.add(this);
      super.terminate();
    }
  };
  try {
    const idle = startPool(FAKE_ENGINE, 2);
    assert.equal(started.length, 2, "two workers started ahead of their points");
    assert.equal(ended.size, 0, "none ended before close");
    idle.close();
    assert.equal(started.filter((w) => !ended.has(w)).length, 0, "close ended every worker");
    await idle.run([], { onResult: () => {} });
    assert.equal(started.length, 2, "run after close starts no worker");
  } finally {
    globalThis.Worker = RealWorker;
  }
});
