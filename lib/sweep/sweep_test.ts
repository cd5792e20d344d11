// sweep() on the fake engine: every point run once and reused next time,
// failed points stored with their error, the same store for 1 and 2 workers,
// bad specs and worker counts refused before the store is touched, an abort
// that keeps what finished and resumes.

import assert from "node:assert/strict";
import { sweep } from "./sweep.ts";
import { SweepSpecError } from "./spec.ts";
import { EngineError } from "./engine.ts";
import type { ProgressInfo } from "./progress.ts";
import { queryRows } from "../store/mod.ts";
import { comparable, FAKE_ENGINE, integrity, tempDir } from "../testing/helpers.ts";
import { ENGINE_VERSION } from "../testing/fake_engine.ts";

const GRID = {
  axes: {
    "iommu.pageSize": "4KiB,2MiB,1GiB",
    "tracking.split": "none,eager,lazy",
    "tracking.clearBatch": "1,64,round",
    seed: "range(1,3)",
  },
};

Deno.test("sweep: runs every point once, stores it, and reuses it on the next run", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  const seen: ProgressInfo[] = [];
  const r = await sweep(GRID, {
    store,
    engine: FAKE_ENGINE,
    workers: 2,
    progress: (p) => seen.push(p),
  });
  assert.equal(r.points, 54);
  assert.equal(r.ran, 54);
  assert.equal(r.reused, 0);
  assert.equal(r.failed, 0);
  assert.equal(seen.at(-1)!.done, 54);
  assert.ok(seen.every((p, i) => i === 0 || p.done >= seen[i - 1].done), "progress only grows");
  assert.ok(seen.at(-1)!.runsPerSec > 0);

  const runs = await r.runs();
  assert.equal(runs.numRows(), 54);
  for (const c of ["run_key", "iommu_pageSize", "tracking_split", "tracking_clearBatch", "seed"]) {
    assert.ok(runs.columnNames().includes(c), c);
  }
  assert.deepEqual(
    new Set(runs.array("tracking_clearBatch") as unknown[]),
    new Set(["1", "64", "round"]),
  );
  const t = await r.query(`SELECT count(*) AS n FROM rounds`);
  assert.ok((t.get("n", 0) as number) >= 54 * 2);

  const again = await sweep(GRID, { store, engine: FAKE_ENGINE, progress: "none" });
  assert.equal(again.ran, 0);
  assert.equal(again.reused, 54);
  // Seeds 1 and 2 of the default config are grid points: forced, they run again and replace.
  const forced = await sweep({ axes: { seed: "1,2" } }, {
    store,
    engine: FAKE_ENGINE,
    force: true,
    progress: "none",
  });
  assert.equal(forced.ran, 2);
  const { runs: n, keys, torn } = await integrity(store);
  assert.equal(n, 54);
  assert.equal(keys, 54);
  assert.equal(torn, 0);

  const sweeps = await queryRows(
    `SELECT s.id, s.status, s.points, s.ran, s.reused, s.engine_version, s.deno_version,
       s.git_commit IS NOT NULL AS has_commit, s.spec_json, s.expanded_json,
       (SELECT count(*) FROM sweep_points p WHERE p.sweep_id = s.id) AS members
     FROM sweeps s ORDER BY started_at`,
    { store },
  );
  assert.deepEqual(sweeps.rows.map((s) => [s.status, s.points, s.ran, s.reused, s.members]), [
    ["done", 54, 54, 0, 54],
    ["done", 54, 0, 54, 54],
    ["done", 2, 2, 0, 2],
  ]);
  const first = sweeps.rows[0];
  assert.equal(first.engine_version, ENGINE_VERSION);
  assert.equal(first.deno_version, Deno.version.deno);
  assert.equal(first.has_commit, true);
  assert.deepEqual(JSON.parse(first.spec_json as string), GRID, "the spec as written");
  assert.equal(JSON.parse(first.expanded_json as string).dimensions.length, 4);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: a point that throws is stored as failed with its error; the sweep goes on", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  // Seed 13 throws; seed 14 crashes its worker, which is replaced.
  const r = await sweep({ axes: { seed: "range(10,20)" } }, {
    store,
    engine: FAKE_ENGINE,
    workers: 2,
    progress: "none",
  });
  assert.equal(r.ran, 10);
  assert.equal(r.failed, 2);
  assert.deepEqual(r.failures.map((f) => f.axes.seed).sort(), [13, 14]);
  const rows = await queryRows(
    `SELECT seed, status, error, bytesTransferred FROM runs WHERE status = 'failed' ORDER BY seed`,
    { store },
  );
  assert.equal(rows.rows.length, 2);
  assert.match(rows.rows[0].error as string, /seed 13 fails on purpose/);
  assert.match(rows.rows[1].error as string, /worker died: .*seed 14 crashes its worker/);
  assert.equal(rows.rows[0].bytesTransferred, null);
  // Failed points run again next time; ok ones do not.
  const again = await sweep({ axes: { seed: "range(10,20)" } }, {
    store,
    engine: FAKE_ENGINE,
    progress: "none",
  });
  assert.equal(again.ran, 2);
  assert.equal(again.reused, 8);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: results are identical with 1 and 2 workers", async () => {
  const dir = await tempDir();
  const one = await sweep(GRID, {
    store: `${dir}/one.duckdb`,
    engine: FAKE_ENGINE,
    workers: 1,
    progress: "none",
  });
  const two = await sweep(GRID, {
    store: `${dir}/two.duckdb`,
    engine: FAKE_ENGINE,
    workers: 2,
    progress: "none",
  });
  assert.equal(one.ran, two.ran);
  assert.deepEqual(await comparable(`${dir}/one.duckdb`), await comparable(`${dir}/two.duckdb`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: a bad spec fails before the store is touched", async () => {
  const dir = await tempDir();
  await assert.rejects(
    sweep({ axes: { "tracking.split": "none,eagre" } }, {
      store: `${dir}/s.duckdb`,
      engine: FAKE_ENGINE,
      progress: "none",
    }),
    SweepSpecError,
  );
  await assert.rejects(Deno.stat(`${dir}/s.duckdb`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: workers below 1 are refused, not turned into 1", async () => {
  const dir = await tempDir();
  for (const workers of [0, -1, 1.5]) {
    await assert.rejects(
      sweep({ axes: { seed: "1" } }, {
        store: `${dir}/s.duckdb`,
        engine: FAKE_ENGINE,
        workers,
        progress: "none",
      }),
      RangeError,
      `workers: ${workers} is not a whole number >= 1`,
    );
  }
  await assert.rejects(Deno.stat(`${dir}/s.duckdb`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: an engine that cannot be loaded is a clear EngineError", async () => {
  const dir = await tempDir();
  await assert.rejects(
    sweep({ axes: { seed: "1,2" } }, {
      store: `${dir}/s.duckdb`,
      engine: `${dir}/nowhere.ts`,
      progress: "none",
    }),
    (e) => e instanceof EngineError && /cannot load the engine .*nowhere\.ts/.test(e.message),
  );
  await Deno.writeTextFile(`${dir}/empty.ts`, "export const x = 1;\n");
  await assert.rejects(
    sweep({ axes: { seed: "1,2" } }, { store: `${dir}/s.duckdb`, engine: `${dir}/empty.ts` }),
    /does not export simulate\(\)/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: an abort stops it; what finished is kept and the next run completes it", async () => {
  const dir = await tempDir();
  const store = `${dir}/s.duckdb`;
  const spec = { axes: { seed: "range(1030,1070)" } }; // 40 points of 30-70 ms
  const abort = new AbortController();
  const r = await sweep(spec, {
    store,
    engine: FAKE_ENGINE,
    workers: 2,
    signal: abort.signal,
    progress: (p) => p.done >= 5 && abort.abort(),
  });
  assert.equal(r.interrupted, true);
  assert.ok(r.ran >= 5 && r.ran < 40, `ran ${r.ran}`);
  const status = await queryRows(`SELECT status FROM sweeps`, { store });
  assert.equal(status.rows[0].status, "interrupted");
  const rest = await sweep(spec, { store, engine: FAKE_ENGINE, workers: 2, progress: "none" });
  assert.equal(rest.reused, r.ran);
  assert.equal(rest.ran, 40 - r.ran);
  const { runs, keys, ok, torn } = await integrity(store);
  assert.deepEqual([runs, keys, ok, torn], [40, 40, 40, 0]);
  await Deno.remove(dir, { recursive: true });
});
