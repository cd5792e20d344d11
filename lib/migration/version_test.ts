// The engine version hashes the engine's sources and nothing else: every
// layer below the migration loop (lib/hw and lib/units too), and no test,
// benchmark, test utility or test data, whose edits must not move run keys.

import assert from "node:assert/strict";
import { ENGINE_SOURCE_DIRS, engineSourceFiles, isEngineSource } from "./version.ts";

Deno.test("the version hashes every engine layer's sources", async () => {
  const files = await engineSourceFiles();
  for (const d of ["units", "hw", "config", "iommu", "tracking", "workload", "cost", "migration"]) {
    assert.ok(ENGINE_SOURCE_DIRS.includes(d), d);
  }
  for (
    const f of [
      "hw/vendors.ts",
      "units/units.ts",
      "iommu/domain.ts",
      "cost/dma.ts",
      "migration/simulate.ts",
    ]
  ) {
    assert.ok(files.includes(f), `${f} is hashed`);
  }
  assert.deepEqual(files, [...files].sort());
});

Deno.test("tests, benchmarks, test utilities and test data are not engine sources", async () => {
  const files = await engineSourceFiles();
  const stray = files.filter((f) => /_test\.ts$|_bench\.ts$|test_utils?\.ts$|testdata\//.test(f));
  assert.deepEqual(stray, []);
  assert.ok(!files.includes("workload/test_util.ts"));
  for (const f of ["iommu/domain_test.ts", "iommu/iommu_bench.ts", "workload/test_util.ts"]) {
    assert.equal(isEngineSource(f), false, f);
  }
  assert.equal(isEngineSource("sweep/testdata/fake_engine.ts"), false);
  assert.equal(isEngineSource("iommu/dma_packed.ts"), true);
  assert.equal(isEngineSource("iommu/iotlb_ref.c"), false, "the C reference is a benchmark's");
});
