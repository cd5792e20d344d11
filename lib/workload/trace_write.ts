// Writing trace files, for the sample trace and for tests: CSV as text, and
// Parquet through DuckDB (COPY ... TO ... (FORMAT parquet)) with typed
// columns: time and iova BIGINT, length INTEGER, write BOOLEAN.

import { type TraceRows, traceRowsToCsv } from "./sample_trace.ts";

/** Writes rows as CSV (header time,iova,length,write). */
export async function writeTraceCsv(rows: TraceRows, path: string): Promise<void> {
  await Deno.writeTextFile(path, traceRowsToCsv(rows));
}

/** Writes rows as Parquet, zstd-compressed, one row group. */
export async function writeTraceParquet(rows: TraceRows, path: string): Promise<void> {
  const tmp = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await writeTraceCsv(rows, tmp);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const q = (s: string) => "'" + s.replaceAll("'", "''") + "'";
    try {
      await conn.run(
        `COPY (SELECT time, iova, length, write = 1 AS write FROM read_csv(${
          q(tmp)
        }, header = true, ` +
          `columns = {'time': 'BIGINT', 'iova': 'BIGINT', 'length': 'INTEGER', 'write': 'INTEGER'})) ` +
          `TO ${q(path)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  } finally {
    await Deno.remove(tmp);
  }
}
