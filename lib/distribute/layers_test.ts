// The arrows between the folders that run sweeps, checked from the imports:
// store ← sweep ← distribute → cluster (and all of them on units, config and
// migration). No folder imports one above it, so there is no cycle between
// folders, and another folder is reached only through its mod.ts.
import assert from "node:assert/strict";

const LIB = new URL("../", import.meta.url);

/** Folders each folder may import (besides itself and npm packages). */
const ALLOWED: Record<string, string[]> = {
  store: ["units", "config", "migration"],
  sweep: ["units", "config", "migration", "store"],
  cluster: [],
  distribute: ["units", "config", "migration", "store", "sweep", "cluster"],
};

/** Relative imports of the non-test files of `folder`: [file, specifier]. */
function imports(folder: string): [string, string][] {
  const out: [string, string][] = [];
  for (const e of Deno.readDirSync(new URL(`${folder}/`, LIB))) {
    if (!e.name.endsWith(".ts") || e.name.endsWith("_test.ts")) continue;
    const text = Deno.readTextFileSync(new URL(`${folder}/${e.name}`, LIB));
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      out.push([`${folder}/${e.name}`, m[1]]);
    }
  }
  return out;
}

Deno.test("layers: store ← sweep ← distribute → cluster; other folders only through mod.ts", () => {
  const problems: string[] = [];
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    for (const [file, spec] of imports(folder)) {
      const m = /^\.\.\/([^/]+)\/(.+)$/.exec(spec);
      if (!m) continue; // a file of the same folder
      const [, target, path] = m;
      if (!allowed.includes(target)) problems.push(`${file} imports ${spec}: ${target} is above`);
      else if (path !== "mod.ts") problems.push(`${file} imports ${spec}, not ${target}/mod.ts`);
    }
  }
  assert.deepEqual(problems, []);
  // The check sees the imports it is meant to judge.
  assert.ok(imports("distribute").some(([, s]) => s === "../sweep/mod.ts"));
  assert.ok(imports("sweep").some(([, s]) => s === "../store/mod.ts"));
});
