// The new metrics (guest DMA throughput, dirty-read time) flow like every
// other one: a `deno task sweep` on the real engine with clearBatch "round"
// and "kernel" stores them, `deno task query` returns them (runs and rounds)
// equal to simulate()'s, and frontierPlot draws guestDmaSlowdown on y.

import assert from "node:assert/strict";
import { simulate } from "../lib/migration/mod.ts";
import { frontierPlot } from "../lib/notebook/mod.ts";
import { cli } from "../lib/testing/helpers.ts";

const BASE = {
  guest: { memory: "64MiB" },
  iommu: { pageSize: "4KiB" },
  workload: { workingSet: "8MiB", accessSize: 64, rate: "200k/s" },
  migration: { warmup: 20 },
};

Deno.test("sweep → store → query: the DMA throughput metrics and read times, as simulate() gives them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cost-metrics-" });
  try {
    const store = `${dir}/s.duckdb`;
    await Deno.writeTextFile(`${dir}/base.json`, JSON.stringify(BASE));
    const sw = await cli("sweep", [
      "--config",
      `${dir}/base.json`,
      "tracking.clearBatch=round,kernel",
      "--store",
      store,
      "--workers",
      "1",
      "--progress",
      "none",
    ]);
    assert.equal(sw.code, 0, sw.stderr);
    const metrics = "dmaThroughput, dmaThroughputBaseline, dmaThroughputNoIommu, " +
      "guestDmaSlowdown, dirtyReadNs, downtimeMs, domainFlushes";
    const q = await cli("query", [
      `SELECT tracking_clearBatch, ${metrics} FROM runs ORDER BY tracking_clearBatch`,
      "--store",
      store,
      "--json",
    ]);
    assert.equal(q.code, 0, q.stderr);
    const rows = JSON.parse(q.stdout);
    assert.deepEqual(rows.map((r: { tracking_clearBatch: string }) => r.tracking_clearBatch), [
      "kernel",
      "round",
    ]);
    for (const row of rows) {
      const clearBatch = row.tracking_clearBatch;
      const direct = await simulate({ ...BASE, tracking: { clearBatch } });
      for (const k of metrics.split(", ")) {
        assert.equal(
          row[k],
          direct.summary[k as keyof typeof direct.summary],
          `${clearBatch} ${k}`,
        );
      }
      assert.ok(row.dirtyReadNs > 0 && row.dmaThroughput > 0);
    }
    const rounds = await cli("query", [
      "SELECT sum(rounds.readNs) AS readNs, max(rounds.dmaThroughput) AS t FROM rounds " +
      "JOIN runs USING (run_key) WHERE tracking_clearBatch = 'round'",
      "--store",
      store,
      "--json",
    ]);
    assert.equal(rounds.code, 0, rounds.stderr);
    const [r] = JSON.parse(rounds.stdout);
    assert.ok(Math.abs(r.readNs - rows[1].dirtyReadNs) < 1e-6, "Σ rounds.readNs = dirtyReadNs");
    assert.ok(r.t > 0);
    const all = await cli("query", ["SELECT * FROM runs", "--store", store, "--json"]);
    const svg = frontierPlot(JSON.parse(all.stdout), { y: "guestDmaSlowdown" });
    assert.match(svg, /Guest DMA slowdown while tracking/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
