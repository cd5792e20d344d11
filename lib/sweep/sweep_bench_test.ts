// The sweep bench's rows (lib/sweep/sweep_bench.ts), on the fake engine.
import assert from "node:assert/strict";
import { sweepBench } from "./sweep_bench.ts";
import { FAKE_ENGINE } from "../testing/helpers.ts";

Deno.test("bench rows: simulate alone, 1 and 2 workers, the store's share, end to end", async () => {
  const rows = await sweepBench({
    engine: FAKE_ENGINE,
    spec: { axes: { seed: "range(20,30)" } },
  });
  assert.deepEqual(rows.map((r) => [r.name, r.workers, r.points]), [
    ["simulate alone", 0, 10],
    ["sweep", 1, 10],
    ["store writes", 1, 10],
    ["end-to-end", 1, 10],
    ["sweep", 2, 10],
  ]);
  for (const r of rows.filter((r) => r.name !== "end-to-end")) {
    assert.ok(r.pointsPerSec > 0 && r.seconds > 0, JSON.stringify(r));
  }
  assert.ok(rows[2].overheadPct! > 0 && rows[2].msPerPoint! > 0);
  assert.match(rows[2].overheadMeasures!, /store write time \/ simulate alone/);
  // End to end: the 1-worker sweep's wall time beyond simulate() alone, over simulate() alone.
  const e2e = rows[3];
  assert.match(e2e.overheadMeasures!, /1-worker sweep wall - simulate alone\) \/ simulate alone/);
  assert.ok(Math.abs(e2e.seconds - (rows[1].seconds - rows[0].seconds)) < 1e-9);
  assert.ok(Math.abs(e2e.overheadPct! - 100 * e2e.seconds / rows[0].seconds) < 1e-9);
  assert.equal(e2e.pointsPerSec, rows[1].pointsPerSec);
});
