// The main job's failure path: a store that is not DuckDB gives one line and
// exit code 3, and the file is left as it was. (The demo's success path runs
// in CI through the README's first command; it takes half a minute.)
import assert from "node:assert/strict";
import { cli } from "../lib/testing/helpers.ts";

Deno.test("demo: an unusable store is a clear message and exit 3, the file untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/data/results.duckdb`, "not a database");
    await Deno.copyFile(new URL("../deno.json", import.meta.url), `${dir}/deno.json`);
    const out = await cli("demo", [], {}, dir);
    const err = out.stderr;
    assert.equal(out.code, 3, err);
    assert.match(err, /^demo: .*not a DuckDB database/m);
    assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
    assert.equal(await Deno.readTextFile(`${dir}/data/results.duckdb`), "not a database");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
