// SQL on the store, for notebooks (an Arquero table) and the `query` command
// (a text table, JSON or CSV). The store is opened read-only, so several
// readers can look at it at once; while a sweep writes it, DuckDB's lock
// refuses readers and the StoreError says so.

import * as aq from "arquero";
import { DEFAULT_STORE, type Rows, Store } from "./store.ts";

export type QueryTable = ReturnType<typeof aq.table>;

/** Runs SQL on a store file and returns plain rows. */
export async function queryRows(sql: string, options: { store?: string } = {}): Promise<Rows> {
  const store = await Store.open(options.store ?? DEFAULT_STORE, { readOnly: true });
  try {
    return await store.read(sql);
  } finally {
    store.close();
  }
}

/** Rows as an Arquero table (columns in query order). */
export function toTable(rows: Rows): QueryTable {
  const columns: Record<string, unknown[]> = {};
  for (const c of rows.columns) columns[c] = rows.rows.map((r) => r[c]);
  return aq.table(columns);
}

/** Runs SQL on a store file; results as an Arquero table. */
export async function query(sql: string, options: { store?: string } = {}): Promise<QueryTable> {
  return toTable(await queryRows(sql, options));
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "");
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    // Six significant digits for a terminal, but never a rounded value that
    // reads as an exact integer: large values keep their integer part.
    if (Math.abs(v) >= 1e6) return v.toFixed(1);
    return String(Number(v.toPrecision(6)));
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A text table for a terminal; long cells are cut to `maxWidth` characters. */
export function formatTable(rows: Rows, options: { maxWidth?: number } = {}): string {
  const max = options.maxWidth ?? 60;
  const cut = (s: string) => (s.length > max ? s.slice(0, max - 1) + "…" : s.replace(/\n/g, " "));
  const cells = rows.rows.map((r) => rows.columns.map((c) => cut(cellText(r[c]))));
  const numeric = rows.columns.map((c) =>
    rows.rows.length > 0 && rows.rows.every((r) => r[c] === null || typeof r[c] === "number")
  );
  const widths = rows.columns.map((c, i) =>
    Math.max(c.length, ...cells.map((row) => row[i].length))
  );
  const line = (vals: string[]) =>
    vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ")
      .trimEnd();
  return [
    line(rows.columns),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
    `(${rows.rows.length} row${rows.rows.length === 1 ? "" : "s"})`,
  ].join("\n");
}

/** Rows as CSV (RFC 4180 quoting), header first. */
export function toCsv(rows: Rows): string {
  return toTable(rows).toCSV();
}

/** Rows as a JSON array of objects. */
export function toJson(rows: Rows): string {
  return JSON.stringify(rows.rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
