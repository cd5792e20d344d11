// The store: config columns from the schema, runs read back equal to what was
// written (and keeping simulate()'s contract), a file that is not DuckDB left
// untouched, a lock held by another process named, old stores migrated.

import assert from "node:assert/strict";
import { configColumns, runColumns } from "./columns.ts";
import { type RunRecord, Store, StoreError } from "./store.ts";
import { queryRows } from "./query.ts";
import { flattenConfig, parseConfig } from "../config/mod.ts";
import {
  checkSimResult,
  type RoundRecord,
  type Summary,
  SUMMARY_METRICS,
} from "../migration/mod.ts";
import { ENGINE_VERSION, simulate } from "../testing/fake_engine.ts";
import { ROOT, tempDir, waitForLine } from "../testing/helpers.ts";

Deno.test("columns: config paths joined with _, clearBatch as text, every metric by name", () => {
  const cols = new Map(runColumns().map((c) => [c.name, c.type]));
  assert.equal(cols.get("iommu_pageSize"), "DOUBLE");
  assert.equal(cols.get("tracking_split"), "VARCHAR");
  assert.equal(cols.get("tracking_clearBatch"), "VARCHAR");
  assert.equal(cols.get("workload_kind"), "VARCHAR");
  assert.equal(cols.get("workload_s"), "DOUBLE", "a field of one workload kind");
  assert.equal(cols.get("workload_parts"), "VARCHAR", "a list: JSON text");
  assert.equal(cols.get("seed"), "BIGINT");
  assert.equal(cols.get("tracking_collapseAfter"), "BOOLEAN");
  assert.equal(cols.get("config_json"), "VARCHAR");
  for (const m of SUMMARY_METRICS) assert.ok(cols.has(m), `metric column ${m}`);
  assert.equal(cols.get("converged"), "BOOLEAN");
  for (const c of ["run_key", "sweep_id", "status", "error", "wall_ms"]) assert.ok(cols.has(c));
  assert.equal(new Set(runColumns().map((c) => c.name.toLowerCase())).size, cols.size);

  const row = flattenConfig(
    parseConfig({ tracking: { clearBatch: 64 }, iommu: { pageSize: "4KiB" } }),
  );
  assert.equal(row.tracking_clearBatch, "64");
  assert.equal(row.iommu_pageSize, 4096);
  assert.equal(row.workload_kind, "uniform");
  assert.equal(row.workload_s, null, "not a field of uniform");
  const mix = flattenConfig(parseConfig({
    workload: { kind: "mix", parts: [{ kind: "uniform", weight: 1 }] },
  }));
  assert.match(mix.workload_parts as string, /^\[\{.*"kind":"uniform".*"weight":1/);
  assert.equal(Object.keys(row).length, configColumns().length);
});

async function record(seed: number, sweepId = "s1"): Promise<RunRecord> {
  const r = await simulate({ seed });
  return {
    runKey: `key-${seed}`,
    sweepId,
    status: "ok",
    error: null,
    wallMs: 1,
    engineVersion: ENGINE_VERSION,
    config: r.config,
    summary: r.summary,
    rounds: r.rounds,
  };
}

Deno.test("store: writes runs with their rounds, replaces by run key, reopens", async () => {
  const dir = await tempDir();
  const path = `${dir}/sub/s.duckdb`;
  const store = await Store.open(path);
  const [one, two] = [await record(1), await record(2)];
  await store.writeRuns([one, two]);
  await store.writeRuns([{ ...(await record(2, "s2")), wallMs: 7 }]);
  store.close();
  const runs = await queryRows(`SELECT * FROM runs ORDER BY run_key`, { store: path });
  assert.deepEqual(runs.rows.map((r) => [r.run_key, r.sweep_id, r.wall_ms, r.seed]), [
    ["key-1", "s1", 1, 1],
    ["key-2", "s2", 7, 2],
  ]);
  // Read back, each run is the result that was written: every metric, every
  // round, and so the same rules simulate() keeps (the pre-copy rounds plus
  // the stop-and-copy: summary.rounds + 1 records).
  for (const [row, written] of [[runs.rows[0], one], [runs.rows[1], two]] as const) {
    const rounds = await queryRows(
      `SELECT * EXCLUDE (run_key) FROM rounds WHERE run_key = '${row.run_key}' ORDER BY round`,
      { store: path },
    );
    assert.deepEqual(rounds.rows, written.rounds);
    assert.equal(rounds.rows.length, (row.rounds as number) + 1);
    const summary = Object.fromEntries(
      SUMMARY_METRICS.map((m) => [m, row[m]]),
    ) as unknown as Summary;
    assert.deepEqual(summary, written.summary);
    const config = JSON.parse(row.config_json as string);
    assert.deepEqual(config, written.config);
    // The config columns are the config flattened as the plots flatten a SimResult.
    const flat = flattenConfig(written.config);
    for (const c of configColumns()) assert.deepEqual(row[c.name], flat[c.name], c.name);
    checkSimResult({ config, summary, rounds: rounds.rows as unknown as RoundRecord[] });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("store: a file that is not a DuckDB database is refused and left untouched", async () => {
  const dir = await tempDir();
  const path = `${dir}/results.duckdb`;
  const text = "seed,bytes\n1,2\n";
  await Deno.writeTextFile(path, text);
  for (const readOnly of [false, true]) {
    await assert.rejects(Store.open(path, { readOnly }), (e) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.kind, "not-duckdb");
      assert.match(e.message, /is not a DuckDB database .* left untouched/);
      return true;
    });
  }
  assert.equal(await Deno.readTextFile(path), text);
  await assert.rejects(Store.open(`${dir}/none.duckdb`, { readOnly: true }), /does not exist/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("store: locked by another process gives a clear message naming it", async () => {
  const dir = await tempDir();
  const path = `${dir}/s.duckdb`;
  (await Store.open(path)).close();
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { Store } from "./lib/store/store.ts"; const s = await Store.open(${
        JSON.stringify(path)
      }); console.log("holding"); await new Promise((r) => setTimeout(r, 20000));`,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    await waitForLine(holder.stdout, (l) => l === "holding");
    for (const readOnly of [false, true]) {
      await assert.rejects(Store.open(path, { readOnly }), (e) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.kind, "locked");
        assert.match(e.message, new RegExp(`locked by another process \\(PID ${holder.pid}\\)`));
        return true;
      });
    }
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
  }
  const s = await Store.open(path);
  s.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("store: an older store gains new columns; a sweep left running is marked interrupted", async () => {
  const dir = await tempDir();
  const path = `${dir}/s.duckdb`;
  const s = await Store.open(path);
  await s.run(`ALTER TABLE runs DROP COLUMN lostWrites`);
  await s.run(`INSERT INTO sweeps (id, status) VALUES ('old', 'running')`);
  s.close();
  const again = await Store.open(path);
  const cols = await again.read(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'runs'`,
  );
  assert.ok(cols.rows.some((r) => r.column_name === "lostWrites"));
  const sweeps = await again.read(`SELECT status FROM sweeps WHERE id = 'old'`);
  assert.equal(sweeps.rows[0].status, "interrupted");
  again.close();
  await Deno.remove(dir, { recursive: true });
});
