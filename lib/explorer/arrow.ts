// Parquet into duckdb-wasm without its parquet extension (which every 1.x
// build downloads from the internet at first use): hyparquet decodes the file
// in JavaScript, and its columns go in as an Arrow table with the types the
// native store has (BIGINT stays Int64, DOUBLE Float64, text Utf8). Query
// results come back as plain rows, BIGINT as numbers when exact.

import { Bool, Float64, Int32, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import type { DataType, Vector } from "apache-arrow";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";

type Row = Record<string, unknown>;

function arrowTypeOf(el: { type?: string; converted_type?: string; logical_type?: unknown }) {
  switch (el.type) {
    case "BOOLEAN":
      return new Bool();
    case "INT32":
      return new Int32();
    case "INT64":
      return new Int64();
    case "FLOAT":
    case "DOUBLE":
      return new Float64();
    default:
      return new Utf8();
  }
}

function cellFor(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type instanceof Int64) return typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
  if (type instanceof Int32 || type instanceof Float64) return Number(v);
  if (type instanceof Bool) return Boolean(v);
  if (v instanceof Date) return v.toISOString();
  return typeof v === "string"
    ? v
    : JSON.stringify(v, (_k, x) => typeof x === "bigint" ? Number(x) : x);
}

/** A Parquet file's rows as an Arrow table, column types following the Parquet schema. */
export async function parquetToArrow(file: ArrayBuffer): Promise<Table> {
  const metadata = parquetMetadata(file);
  const schema = parquetSchema(metadata);
  const rows = (await parquetReadObjects({ file, metadata })) as Row[];
  const columns: Record<string, Vector> = {};
  for (const child of schema.children) {
    const name = child.element.name;
    const type = arrowTypeOf(child.element as { type?: string });
    columns[name] = vectorFromArray(rows.map((r) => cellFor(type, r[name])), type as DataType);
  }
  return new Table(columns);
}

/** Plain JSON rows (a sweep.json's parts) as an Arrow table: numbers, booleans, text. */
export function rowsToArrow(rows: Row[]): Table {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const vals = rows.map((r) => r[name]);
    const defined = vals.filter((v) => v !== null && v !== undefined);
    const type = defined.length && defined.every((v) => typeof v === "number")
      ? new Float64()
      : defined.length && defined.every((v) => typeof v === "boolean")
      ? new Bool()
      : new Utf8();
    columns[name] = vectorFromArray(vals.map((v) => cellFor(type, v)), type as DataType);
  }
  return new Table(columns);
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  if (v && typeof v === "object" && "toArray" in v && typeof v.toArray === "function") {
    return [...(v.toArray() as Iterable<unknown>)].map(plain);
  }
  return v;
}

/** A query result's rows as plain objects (column order kept in `columns`). */
export function tableRows(t: Table): { columns: string[]; rows: Row[] } {
  const columns = t.schema.fields.map((f) => f.name);
  const rows: Row[] = [];
  for (let i = 0; i < t.numRows; i++) {
    const r = t.get(i);
    const out: Row = {};
    for (const c of columns) out[c] = plain(r?.[c]);
    rows.push(out);
  }
  return { columns, rows };
}
