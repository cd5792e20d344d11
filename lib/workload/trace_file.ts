// Reading a DMA trace: CSV or Parquet with columns time (ns since the trace
// starts), iova (bytes), length (bytes) and write (0/1 or true/false), one
// operation a row, in time order. CSV is read here (so an error can name its
// line); Parquet through DuckDB's read_parquet (@duckdb/node-api, native,
// loaded only when a Parquet file is read). Both end in the same checks, so a
// CSV and a Parquet file of the same rows give the same operations, and any
// bad row is an error naming the file and the row.

import { isAbsolute, join } from "node:path";
import { formatSize } from "../units/mod.ts";
import { WorkloadError } from "./errors.ts";

/** A trace in columns, checked: times non-decreasing, every access inside guest memory. */
export interface TraceData {
  /** The path as given (for messages). */
  path: string;
  rows: number;
  timeNs: Float64Array;
  iova: Float64Array;
  length: Uint32Array;
  write: Uint8Array;
}

export const TRACE_COLUMNS = ["time", "iova", "length", "write"] as const;
type Column = typeof TRACE_COLUMNS[number];

export type TraceFormat = "csv" | "parquet";

export interface LoadTraceOptions {
  guestMemory: number;
  /** Directory a relative path is read from (default: the working directory). */
  baseDir?: string;
  /** Config key for messages (default "workload.path"). */
  key?: string;
}

/** The format from the file name (.csv, .parquet, .pq), else from Parquet's magic bytes. */
export function traceFormat(path: string, head?: Uint8Array): TraceFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".parquet") || lower.endsWith(".pq")) return "parquet";
  if (head && head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === "PAR1") {
    return "parquet";
  }
  return undefined;
}

/** Loads and checks a trace file. Throws WorkloadError naming the path (and row). */
export async function loadTrace(path: string, opts: LoadTraceOptions): Promise<TraceData> {
  const key = opts.key ?? "workload.path";
  const file = opts.baseDir && !isAbsolute(path) ? join(opts.baseDir, path) : path;
  const shown = file === path ? `"${path}"` : `"${path}" (${file})`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new WorkloadError(`${key}: trace file ${shown} not found`);
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new WorkloadError(`${key}: trace file ${shown} is a directory`);
    }
    throw new WorkloadError(`${key}: cannot read trace file ${shown}: ${(e as Error).message}`);
  }
  const format = traceFormat(file, bytes);
  if (!format) {
    throw new WorkloadError(
      `${key}: trace file ${shown} is neither CSV (.csv) nor Parquet (.parquet, .pq)`,
    );
  }
  const rows = format === "csv"
    ? parseCsv(new TextDecoder().decode(bytes), path)
    : await readParquet(file, path);
  return checkRows(rows, path, opts.guestMemory);
}

/** Raw cells by column, before checks, with where each row came from. */
interface RawRows {
  count: number;
  cell(column: Column, row: number): unknown;
  /** " (line 7)" for CSV; "" for Parquet. */
  where(row: number): string;
}

/** Parses trace CSV text: a header naming the four columns (any order; others ignored). */
export function parseTraceCsv(text: string, path: string, guestMemory: number): TraceData {
  return checkRows(parseCsv(text, path), path, guestMemory);
}

function parseCsv(text: string, path: string): RawRows {
  const lines = text.split(/\r?\n/);
  let headerLine = 0;
  while (headerLine < lines.length && lines[headerLine].trim() === "") headerLine++;
  if (headerLine === lines.length) throw new WorkloadError(`${path}: empty trace file (no header)`);
  const header = splitCsv(lines[headerLine]).map((h) => h.toLowerCase());
  const index = columnIndex(header, path);
  const cells: string[][] = [];
  const lineOf: number[] = [];
  for (let l = headerLine + 1; l < lines.length; l++) {
    if (lines[l].trim() === "") continue;
    const fields = splitCsv(lines[l]);
    if (fields.length !== header.length) {
      throw new WorkloadError(
        `${path}: row ${cells.length + 1} (line ${l + 1}): ${fields.length} fields, ` +
          `the header has ${header.length} (${header.join(",")})`,
      );
    }
    cells.push(fields);
    lineOf.push(l + 1);
  }
  return {
    count: cells.length,
    cell: (c, r) => cells[r][index[c]],
    where: (r) => ` (line ${lineOf[r]})`,
  };
}

function splitCsv(line: string): string[] {
  return line.split(",").map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

function columnIndex(names: readonly string[], path: string): Record<Column, number> {
  const lower = names.map((n) => n.toLowerCase());
  const missing = TRACE_COLUMNS.filter((c) => !lower.includes(c));
  if (missing.length) {
    throw new WorkloadError(
      `${path}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
        `(has: ${names.join(", ") || "none"}; needs: ${TRACE_COLUMNS.join(", ")})`,
    );
  }
  return Object.fromEntries(TRACE_COLUMNS.map((c) => [c, lower.indexOf(c)])) as Record<
    Column,
    number
  >;
}

async function readParquet(file: string, path: string): Promise<RawRows> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const literal = "'" + file.replaceAll("'", "''") + "'";
    let reader;
    try {
      reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${literal})`);
    } catch (e) {
      throw new WorkloadError(
        `${path}: not a readable Parquet file: ${(e as Error).message.split("\n")[0]}`,
      );
    }
    const index = columnIndex(reader.columnNames(), path);
    const columns = reader.getColumns();
    return {
      count: reader.currentRowCount,
      cell: (c, r) => columns[index[c]][r],
      where: () => "",
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const INTEGER = /^\+?[0-9]+$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;
const DECIMAL = /^\+?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

/** A cell as a number: JS numbers, bigints, and decimal (or, for iova, hex) strings. */
function toNumber(v: unknown, allowFraction: boolean): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const text = typeof v === "string" ? v : v !== null && typeof v === "object" ? String(v) : "";
  if (INTEGER.test(text) || HEX.test(text) || (allowFraction && DECIMAL.test(text))) {
    return Number(text);
  }
  return undefined;
}

function toWrite(v: unknown): number | undefined {
  if (v === true || v === 1 || v === 1n) return 1;
  if (v === false || v === 0 || v === 0n) return 0;
  if (typeof v === "string") {
    const t = v.toLowerCase();
    if (t === "1" || t === "true") return 1;
    if (t === "0" || t === "false") return 0;
  }
  return undefined;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "empty";
  if (typeof v === "string") return v === "" ? "empty" : JSON.stringify(v);
  return String(v);
}

function checkRows(raw: RawRows, path: string, guestMemory: number): TraceData {
  const n = raw.count;
  if (n === 0) throw new WorkloadError(`${path}: the trace has no rows`);
  const timeNs = new Float64Array(n);
  const iova = new Float64Array(n);
  const length = new Uint32Array(n);
  const write = new Uint8Array(n);
  let previous = -Infinity;
  for (let r = 0; r < n; r++) {
    const at = () => `${path}: row ${r + 1}${raw.where(r)}`;
    const t = toNumber(raw.cell("time", r), true);
    if (t === undefined || !Number.isFinite(t) || t < 0) {
      throw new WorkloadError(
        `${at()}: time ${show(raw.cell("time", r))} is not a number of ns >= 0`,
      );
    }
    if (t < previous) {
      throw new WorkloadError(
        `${at()}: time ${t} is before the previous row's ${previous} (rows must be in time order)`,
      );
    }
    previous = t;
    const a = toNumber(raw.cell("iova", r), false);
    if (a === undefined || !Number.isSafeInteger(a) || a < 0) {
      throw new WorkloadError(`${at()}: iova ${show(raw.cell("iova", r))} is not an address >= 0`);
    }
    const len = toNumber(raw.cell("length", r), false);
    if (len === undefined || !Number.isInteger(len) || len < 1 || len > 0xffffffff) {
      throw new WorkloadError(
        `${at()}: length ${show(raw.cell("length", r))} is not a byte count in 1..${0xffffffff}`,
      );
    }
    if (a + len > guestMemory) {
      throw new WorkloadError(
        `${at()}: iova 0x${a.toString(16)} + length ${len} is outside guest memory ` +
          `[0, ${formatSize(guestMemory)})`,
      );
    }
    const w = toWrite(raw.cell("write", r));
    if (w === undefined) {
      throw new WorkloadError(
        `${at()}: write ${show(raw.cell("write", r))} is not 0, 1, true or false`,
      );
    }
    timeNs[r] = t;
    iova[r] = a;
    length[r] = len;
    write[r] = w;
  }
  return { path, rows: n, timeNs, iova, length, write };
}
