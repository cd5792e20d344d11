// Reading Parquet back: a file's rows whatever its path holds (a quote, a
// space: the path is quoted once, by sqlLiteral), and exists() for the files
// and folders the transfers look for.

import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, Store } from "./store.ts";
import { parquetTable, readParquetRows } from "./transfer.ts";
import { tempDir } from "../testing/helpers.ts";

Deno.test("parquet: rows read back from a path that needs quoting; exists sees files and folders", async () => {
  const dir = await tempDir("it's a store-test-");
  try {
    const file = join(dir, "o'clock runs.parquet");
    assert.equal(await exists(file), false);
    const mem = await Store.open(":memory:");
    try {
      await mem.copyParquet(
        `SELECT * FROM (VALUES (1, 'a''b'), (2, 'c')) t(n, s) ORDER BY n`,
        file,
      );
      assert.deepEqual((await mem.read(`SELECT count(*) AS n FROM ${parquetTable(file)}`)).rows, [
        { n: 2 },
      ]);
    } finally {
      mem.close();
    }
    assert.equal(await exists(file), true);
    assert.equal(await exists(dir), true, "a folder exists too");
    assert.deepEqual(await readParquetRows(file), [{ n: 1, s: "a'b" }, { n: 2, s: "c" }]);
    await assert.rejects(readParquetRows(join(dir, "none.parquet")), /none\.parquet/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
