// The engine's folders are layers: a source imports only from its own folder
// or from the folders below it that MAY_IMPORT names, so the folder graph has
// no cycle and no arrow back up (iommu and config both sit on hw and units,
// and neither imports the other), and no two engine files import each other,
// even for types. Tests, benchmarks and test utilities may reach up.

import assert from "node:assert/strict";
import { ENGINE_SOURCE_DIRS, engineSourceFiles } from "./migration/version.ts";

const LIB = new URL("./", import.meta.url);

/** The engine files each engine file imports (relative imports, resolved against lib/). */
async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const rel of await engineSourceFiles()) {
    const text = await Deno.readTextFile(new URL(rel, LIB));
    const deps: string[] = [];
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)) {
      deps.push(new URL(m[1], new URL(rel, LIB)).pathname.slice(LIB.pathname.length));
    }
    graph.set(rel, deps);
  }
  return graph;
}

/** The folders each engine folder may import from (besides itself). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  units: [],
  hw: [],
  config: ["units", "hw"],
  iommu: ["units", "hw"],
  workload: ["units", "config", "iommu"],
  tracking: ["units", "hw", "config", "iommu", "workload"],
  // The cost models read the counters of iommu (and hw's vendor records);
  // calibration.ts runs the engine itself (a config-built domain, the
  // workload's PRNG), so the folder sits above tracking. Nothing below
  // imports it: the functional model never depends on what it costs.
  cost: ["units", "hw", "config", "iommu", "workload", "tracking"],
  migration: ["units", "hw", "config", "iommu", "workload", "tracking", "cost"],
};

Deno.test("layers: every engine folder has a place, bottom first", () => {
  assert.deepEqual(Object.keys(MAY_IMPORT).sort(), [...ENGINE_SOURCE_DIRS].sort());
  ENGINE_SOURCE_DIRS.forEach((d, i) => {
    for (const below of MAY_IMPORT[d]) {
      assert.ok(ENGINE_SOURCE_DIRS.indexOf(below) < i, `${below} is listed below ${d}`);
    }
  });
});

Deno.test("layers: an engine folder imports only from itself and the folders below it", async () => {
  const folder = (rel: string) => rel.split("/")[0];
  const wrong: string[] = [];
  for (const [file, deps] of await importGraph()) {
    const from = folder(file);
    for (const d of deps) {
      if (folder(d) !== from && !MAY_IMPORT[from].includes(folder(d))) {
        wrong.push(`${file} -> ${d}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("layers: no cycle among the engine's files", async () => {
  const graph = await importGraph();
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});
