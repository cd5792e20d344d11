import assert from "node:assert/strict";
import { formatTable, query, type QueryTable } from "./query.ts";
import { sweep } from "./runner.ts";
import { sweepBench } from "./sweep_bench.ts";
import { progressLine } from "./progress.ts";
import { cli, FAKE_ENGINE, tempDir } from "./testdata/helpers.ts";

Deno.test("query: SQL on the store as an Arquero table, a text table, JSON or CSV", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  await sweep({ axes: { "tracking.split": "none,lazy", "tracking.clearBatch": "1,round" } }, {
    store,
    engine: FAKE_ENGINE,
    progress: "none",
  });
  const sql =
    `SELECT tracking_split, tracking_clearBatch, count(*) AS n, avg(bytesTransferred) > 0 AS sent
               FROM runs GROUP BY ALL ORDER BY 1, 2`;
  const t: QueryTable = await query(sql, { store });
  assert.deepEqual(t.columnNames(), ["tracking_split", "tracking_clearBatch", "n", "sent"]);
  assert.deepEqual(t.objects(), [
    { tracking_split: "lazy", tracking_clearBatch: "1", n: 1, sent: true },
    { tracking_split: "lazy", tracking_clearBatch: "round", n: 1, sent: true },
    { tracking_split: "none", tracking_clearBatch: "1", n: 1, sent: true },
    { tracking_split: "none", tracking_clearBatch: "round", n: 1, sent: true },
  ]);

  const text = await cli("query", [sql, "--store", store]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(
    text.stdout.trim(),
    [
      "tracking_split  tracking_clearBatch  n  sent",
      "--------------  -------------------  -  ----",
      "lazy            1                    1  true",
      "lazy            round                1  true",
      "none            1                    1  true",
      "none            round                1  true",
      "(4 rows)",
    ].join("\n"),
  );
  const json = await cli("query", [sql, "--store", store, "--json"]);
  assert.deepEqual(JSON.parse(json.stdout), t.objects());
  const csv = await cli("query", [sql, "--store", store, "--csv"]);
  assert.equal(
    csv.stdout.trim(),
    "tracking_split,tracking_clearBatch,n,sent\nlazy,1,1,true\nlazy,round,1,true\nnone,1,1,true\nnone,round,1,true",
  );
  const sweeps = await cli("query", ["--store", store]);
  assert.match(sweeps.stdout, /^id\s+name\s+status\s+points/);
  const bad = await cli("query", ["SELEC nonsense", "--store", store]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /query: .*syntax error/i);
  const none = await cli("query", ["SELECT 1", "--store", `${dir}/none.duckdb`]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /does not exist/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("formatTable: numbers right-aligned and short, long text cut", () => {
  const out = formatTable({
    columns: ["a", "b"],
    rows: [{ a: 0.123456789, b: "x".repeat(80) }, { a: 12, b: null }],
  }, { maxWidth: 10 });
  assert.equal(
    out,
    ["       a  b", "--------  ----------", "0.123457  xxxxxxxxx…", "      12", "(2 rows)"].join(
      "\n",
    ),
  );
});

Deno.test("progress lines say points done, stored, failed, runs/s and ETA", () => {
  assert.equal(
    progressLine({
      done: 12,
      total: 27,
      reused: 3,
      failed: 1,
      elapsedMs: 1000,
      runsPerSec: 2.5,
      etaSec: 75,
    }),
    "sweep: 12/27 points (3 stored), 1 failed, 2.50 runs/s, ETA 1m15s",
  );
});

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
