// SQL on the store: an Arquero table, and the `query` command's text table,
// JSON and CSV of the same rows; bad SQL is exit 2, a missing store exit 3;
// formatTable's alignment and cutting.

import assert from "node:assert/strict";
import { formatTable, query, type QueryTable } from "./query.ts";
import { Store } from "./store.ts";
import { ENGINE_VERSION, simulate } from "../testing/fake_engine.ts";
import { cli, tempDir } from "../testing/helpers.ts";

/** A store holding one run of each split × clear batch (the fake engine's results). */
async function fourRuns(path: string): Promise<void> {
  const store = await Store.open(path);
  try {
    for (const split of ["none", "lazy"]) {
      for (const clearBatch of [1, "round"]) {
        const r = await simulate({ tracking: { split, clearBatch } });
        await store.writeRuns([{
          runKey: `${split}-${clearBatch}`,
          sweepId: "s1",
          status: "ok",
          error: null,
          wallMs: 1,
          engineVersion: ENGINE_VERSION,
          ...r,
        }]);
      }
    }
  } finally {
    store.close();
  }
}

Deno.test("query: SQL on the store as an Arquero table, a text table, JSON or CSV", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  await fourRuns(store);
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
