// Reproduction runs on the sweep's worker pool (lib/sweep runPool): every run
// compared value by value whichever worker ran it, and a worker that dies
// (here the fake engine's crashing seed) fails only the run it held, which the
// report names, while the others are still compared.

import assert from "node:assert/strict";
import { join } from "node:path";
import { exportSweep, parquetTable, readParquetRows, sqlLiteral, Store } from "../store/mod.ts";
import { sweep } from "../sweep/mod.ts";
import { CRASHING_SEED } from "../testing/fake_engine.ts";
import { FAKE_ENGINE, tempDir } from "../testing/helpers.ts";
import { formatReport, reproduce } from "./reproduce.ts";

Deno.test("reproduce: runs on the worker pool; a worker that dies fails its run only, and says so", async () => {
  const dir = await tempDir("reproduce-test-");
  try {
    const store = join(dir, "results.duckdb");
    const s = await sweep({ name: "pool", axes: { seed: [1, 2, 3, 4, 5] } }, {
      store,
      engine: FAKE_ENGINE,
      workers: 2,
      progress: "none",
    });
    const published = (await exportSweep(s.sweepId, { store, outDir: dir })).dir;
    for (const workers of [1, 2]) {
      const ok = await reproduce(published, { engine: FAKE_ENGINE, workers });
      assert.equal(ok.ok, true, formatReport(ok));
      assert.equal(ok.engine.same, true);
      assert.equal(ok.runs, 5);
      assert.deepEqual(ok.differences, []);
    }

    // One run's stored config now crashes the worker that runs it.
    const crashing = join(dir, "crashing");
    await Deno.mkdir(crashing);
    const runs = join(published, "runs.parquet");
    const victim = String((await readParquetRows(runs)).find((r) => r.seed === 2)!.run_key);
    const mem = await Store.open(":memory:");
    try {
      await mem.run(
        `COPY (SELECT * REPLACE (CASE WHEN run_key = ${sqlLiteral(victim)}
           THEN regexp_replace(config_json, '"seed":2\\b', '"seed":${CRASHING_SEED}')
           ELSE config_json END AS config_json) FROM ${parquetTable(runs)})
         TO ${sqlLiteral(join(crashing, "runs.parquet"))} (FORMAT parquet)`,
      );
    } finally {
      mem.close();
    }
    const r = await reproduce(crashing, { engine: FAKE_ENGINE, workers: 1 });
    assert.equal(r.ok, false);
    assert.deepEqual(r.errors.map((e) => e.runKey), [victim]);
    assert.match(r.errors[0].error, /worker died: .*crashes its worker/);
    assert.equal(r.runs, 5);
    assert.deepEqual(r.differences, [], "the other four runs still compared, identical");
    assert.match(
      formatReport(r),
      new RegExp(`run ${victim}: simulating it failed now: worker died`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reproduce: a mismatch under another engine names the sweep's commit and how to list the engine's changes since", () => {
  const diff = {
    runKey: "c8ba4776eb5266ea",
    metric: "downtimeMs",
    published: 58.04,
    now: 73.91,
    change: 0.2734,
    tolerance: 0.1,
    ok: false,
  };
  const report = {
    source: "data/published/x",
    sweepId: "x",
    commit: "07d7347ee1e50fa4a97c828c6fe585677025ef2b",
    runs: 1,
    skipped: 0,
    engine: { published: ["0.1.0+src.694dc6dd2a81"], now: "0.1.0+src.cec6f3fb66a8", same: false },
    compared: 18,
    newMetrics: [],
    differences: [diff],
    mismatches: [diff],
    errors: [],
    ok: false,
    wallMs: 10,
  };
  const text = formatReport(report);
  assert.match(text, /MISMATCH: 1 of 18/);
  assert.match(text, /made at commit 07d7347 with another engine/);
  assert.match(text, /`git log --oneline 07d7347\.\.HEAD -- lib\/`/);
  // With the same engine a mismatch is an error: no such hint.
  const same = { ...report, engine: { ...report.engine, same: true } };
  assert.doesNotMatch(formatReport(same), /git log/);
});
