// End to end on the real engine (lib/migration/mod.ts) with tiny configs: the
// workers load it by default, the stored metrics are what simulate() returns
// in this process, and 1 or 2 workers give the same store.

import assert from "node:assert/strict";
import { sweep } from "./sweep.ts";
import { queryRows } from "../store/mod.ts";
import { engineSourceVersion, simulate } from "../migration/mod.ts";
import { SUMMARY_METRICS } from "../migration/types.ts";
import { comparable, tempDir } from "../testing/helpers.ts";

const TINY = {
  name: "tiny",
  base: { guest: { memory: "64MiB" }, workload: { workingSet: "8MiB" } },
  axes: { "iommu.pageSize": "4KiB,2MiB", "tracking.split": "none,lazy" },
};

Deno.test("real engine: a tiny sweep stores what simulate() returns, the same with 1 and 2 workers", async () => {
  const dir = await tempDir();
  const one = await sweep(TINY, { store: `${dir}/one.duckdb`, workers: 1, progress: "none" });
  assert.equal(one.points, 4);
  assert.equal(one.failed, 0, JSON.stringify(one.failures));
  // The real engine's version is its release plus a hash of its sources.
  const version = await engineSourceVersion();
  assert.equal(one.plan.engineVersion, version);
  const two = await sweep(TINY, { store: `${dir}/two.duckdb`, workers: 2, progress: "none" });
  assert.deepEqual(await comparable(`${dir}/one.duckdb`), await comparable(`${dir}/two.duckdb`));

  const point = one.plan.points[3];
  const direct = await simulate(point.config);
  const stored = (await queryRows(
    `SELECT * FROM runs WHERE run_key = '${point.runKey}'`,
    { store: `${dir}/one.duckdb` },
  )).rows[0];
  assert.equal(stored.status, "ok");
  assert.equal(stored.iommu_pageSize, 2 * 2 ** 20);
  assert.equal(stored.tracking_split, "lazy");
  assert.equal(stored.engine_version, version);
  for (const m of SUMMARY_METRICS) assert.equal(stored[m], direct.summary[m], m);
  assert.deepEqual(JSON.parse(stored.config_json as string), direct.config);
  const rounds = await queryRows(
    `SELECT * EXCLUDE (run_key) FROM rounds WHERE run_key = '${point.runKey}' ORDER BY round`,
    { store: `${dir}/one.duckdb` },
  );
  assert.deepEqual(rounds.rows, direct.rounds);
  assert.equal(two.ran, 4);
  await Deno.remove(dir, { recursive: true });
});
