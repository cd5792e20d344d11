// The named queries' idea of a config column must match the store's: every
// flattened config leaf (lib/config/flatten.ts) but the seed is matched by
// CONFIG_COLUMNS_PATTERN, and no metric is, so a new config section (dma
// among them) groups runs by configuration as the older ones do.

import assert from "node:assert/strict";
import { configLeaves } from "../config/mod.ts";
import { CONFIG_COLUMNS_PATTERN, isConfigColumn, METRICS } from "./mod.ts";

Deno.test("CONFIG_COLUMNS_PATTERN: every config leaf, no metric", () => {
  const re = new RegExp(CONFIG_COLUMNS_PATTERN);
  const leaves = configLeaves().map((l) => l.name).filter((n) => n !== "seed");
  assert.ok(leaves.includes("dma_inFlight") && leaves.includes("iommu_dirtyRead_entryReadNs"));
  assert.deepEqual(leaves.filter((n) => !re.test(n)), []);
  assert.deepEqual(METRICS.filter((m) => isConfigColumn(m)), []);
});
