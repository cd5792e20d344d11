// Reading a DMA trace: CSV or Parquet, one operation a row, in time order, with
// columns time (ns since the trace starts), iova (bytes), length (bytes) and
// write (1 = the device writes memory). The common spellings are accepted too
// (TRACE_COLUMN_NAMES): `time_us` or `time (µs)` headers and `1.5us` cells,
// `address`/`addr` with hex (0x) or decimal values, `op`/`rw` with R/W or
// read/write. CSV is read here (so an error can name its line); Parquet through
// DuckDB's read_parquet (@duckdb/node-api, native, loaded only when a Parquet
// file is read). Both end in the same checks, so a CSV and a Parquet file of
// the same rows give the same operations, and a bad cell is an error naming
// the file, the row and the column.

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
  /** Which header gave each column, and the unit read from it (absent for parsed text). */
  columns?: Record<Column, TraceColumnSpelling>;
}

/** The canonical columns; TRACE_COLUMN_NAMES lists the other accepted spellings. */
export const TRACE_COLUMNS = ["time", "iova", "length", "write"] as const;
export type Column = typeof TRACE_COLUMNS[number];

/**
 * Header names accepted for each column, case-insensitive, most preferred
 * first: when a file has several (say `time` and `ts`), the first one listed
 * here is read and the others are ignored, like any other extra column.
 */
export const TRACE_COLUMN_NAMES: Record<Column, readonly string[]> = {
  time: ["time", "timestamp", "ts", "t"],
  iova: ["iova", "address", "addr", "dma_addr", "dma_address", "daddr"],
  length: ["length", "len", "size", "bytes", "nbytes"],
  write: ["write", "is_write", "rw", "r/w", "op", "dir", "direction", "access", "type"],
};

/** Time units, in ns; a header (`time_us`, `time (µs)`) or a cell (`1.5us`) may name one. */
const TIME_UNITS: Record<string, number> = {
  ns: 0,
  us: 3,
  "µs": 3, // U+00B5 MICRO SIGN
  "μs": 3, // U+03BC GREEK SMALL LETTER MU
  ms: 6,
  s: 9,
};
/** Units a header may carry for each column (time: TIME_UNITS). */
const HEADER_UNITS: Record<Column, readonly string[]> = {
  time: Object.keys(TIME_UNITS),
  iova: ["hex"],
  length: ["bytes", "b"],
  write: [],
};

/** The header a column was read from, and its unit ("" when it has none). */
export interface TraceColumnSpelling {
  header: string;
  unit: string;
}

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
  columns: Record<Column, TraceColumnSpelling>;
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
  const header = splitCsv(lines[headerLine]);
  const { index, columns } = columnIndex(header, path);
  const cells: string[][] = [];
  const lineOf: number[] = [];
  for (let l = headerLine + 1; l < lines.length; l++) {
    if (lines[l].trim() === "") continue;
    const fields = splitCsv(lines[l]);
    if (fields.length !== header.length) {
      throw new WorkloadError(
        `${path}: row ${cells.length + 1} (line ${l + 1}): ${fields.length} fields, ` +
          `the header has ${header.length} (${header.map((h) => h.toLowerCase()).join(",")})`,
      );
    }
    cells.push(fields);
    lineOf.push(l + 1);
  }
  return {
    count: cells.length,
    columns,
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

/** A header as (name, unit): "time_us", "time (µs)", "time[us]" → ("time", "us"). */
function headerParts(header: string): { name: string; unit: string } {
  const h = header.trim().toLowerCase();
  const bracketed = /^(.*?)\s*[([]\s*([^()[\]\s]+)\s*[)\]]$/.exec(h);
  if (bracketed) return { name: bracketed[1], unit: bracketed[2] };
  const suffixed = /^(.*?)[_\s]+(ns|us|µs|μs|ms|s|hex|bytes|b)$/.exec(h);
  if (suffixed) return { name: suffixed[1], unit: suffixed[2] };
  return { name: h, unit: "" };
}

function columnIndex(
  names: readonly string[],
  path: string,
): { index: Record<Column, number>; columns: Record<Column, TraceColumnSpelling> } {
  const parts = names.map(headerParts);
  const index = {} as Record<Column, number>;
  const columns = {} as Record<Column, TraceColumnSpelling>;
  const missing: Column[] = [];
  for (const c of TRACE_COLUMNS) {
    let found = -1;
    for (const alias of TRACE_COLUMN_NAMES[c]) {
      // A whole header that is an alias wins over an alias with a unit split off
      // ("bytes" is a length column, not "" in bytes).
      found = names.findIndex((n) => n.trim().toLowerCase() === alias);
      if (found < 0) found = parts.findIndex((p) => p.unit !== "" && p.name === alias);
      if (found >= 0) break;
    }
    if (found < 0) {
      missing.push(c);
      continue;
    }
    const whole = names[found].trim().toLowerCase();
    const unit = TRACE_COLUMN_NAMES[c].includes(whole) ? "" : parts[found].unit;
    if (unit !== "" && !HEADER_UNITS[c].includes(unit)) {
      throw new WorkloadError(
        `${path}: column ${names[found]}: unit "${unit}" does not apply to ${c} ` +
          `(${
            HEADER_UNITS[c].length ? `allowed: ${HEADER_UNITS[c].join(", ")}` : "it takes none"
          })`,
      );
    }
    index[c] = found;
    columns[c] = { header: names[found], unit };
  }
  if (missing.length) {
    throw new WorkloadError(
      `${path}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
        `(has: ${names.join(", ") || "none"}; accepted: ` +
        missing.map((c) => `${c} as ${TRACE_COLUMN_NAMES[c].join("/")}`).join("; ") + ")",
    );
  }
  return { index, columns };
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
    const { index, columns } = columnIndex(reader.columnNames(), path);
    const data = reader.getColumns();
    return {
      count: reader.currentRowCount,
      columns,
      cell: (c, r) => data[index[c]][r],
      where: () => "",
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const INTEGER = /^\+?[0-9]+$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;
const BARE_HEX = /^[0-9a-fA-F]+$/;
const DECIMAL = /^(\+?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(?:[eE]([+-]?[0-9]+))?$/;
const TIME_CELL = /^(.*?)\s*(ns|us|µs|μs|ms|s)$/;

/** A cell's text: strings as they are, numbers and bigints in decimal, null/undefined as "". */
function cellText(v: unknown): string {
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return v !== null && typeof v === "object" ? String(v) : "";
}

/**
 * A whole number of bytes (an address or a length): JS numbers, bigints,
 * decimal text or hex text with 0x (or, when the header says hex, without).
 */
function toInteger(v: unknown, hexHeader: boolean): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const text = cellText(v);
  if (hexHeader && BARE_HEX.test(text)) return parseInt(text, 16);
  if (INTEGER.test(text) || HEX.test(text)) return Number(text);
  return undefined;
}

/**
 * A time in ns: a number in the header's unit (ns without one), or text with
 * its own unit ("1.5us"). Scaling shifts the decimal exponent before the one
 * rounding, so "1.118us" and "1118" are the same double.
 */
function toTimeNs(v: unknown, headerUnit: string): number | undefined {
  let text = cellText(v);
  let unit = headerUnit || "ns";
  const suffixed = TIME_CELL.exec(text);
  if (suffixed && !/[eE]$/.test(suffixed[1])) {
    text = suffixed[1];
    unit = suffixed[2];
  }
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  return Number(`${m[1]}e${Number(m[2] ?? 0) + TIME_UNITS[unit]}`);
}

const WRITE_WORDS: Record<string, number> = {
  "1": 1,
  "true": 1,
  w: 1,
  wr: 1,
  write: 1,
  "0": 0,
  "false": 0,
  r: 0,
  rd: 0,
  read: 0,
};

function toWrite(v: unknown): number | undefined {
  if (v === true || v === 1 || v === 1n) return 1;
  if (v === false || v === 0 || v === 0n) return 0;
  if (typeof v === "string") return WRITE_WORDS[v.trim().toLowerCase()];
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
  const cols = raw.columns;
  const timeUnit = cols.time.unit;
  const hexIova = cols.iova.unit === "hex";
  let previous = -Infinity;
  for (let r = 0; r < n; r++) {
    const at = (c: Column) => `${path}: row ${r + 1}${raw.where(r)}, column ${cols[c].header}`;
    const t = toTimeNs(raw.cell("time", r), timeUnit);
    if (t === undefined || !Number.isFinite(t) || t < 0) {
      throw new WorkloadError(
        `${at("time")}: ${show(raw.cell("time", r))} is not a time >= 0 ` +
          `(a number of ${timeUnit || "ns"}, or with a unit: 1500, 1500ns, 1.5us, 1.5µs)`,
      );
    }
    if (t < previous) {
      throw new WorkloadError(
        `${at("time")}: ${t} ns is before the previous row's ${previous} ns ` +
          `(rows must be in time order)`,
      );
    }
    previous = t;
    const a = toInteger(raw.cell("iova", r), hexIova);
    if (a === undefined || !Number.isSafeInteger(a) || a < 0) {
      throw new WorkloadError(
        `${at("iova")}: ${show(raw.cell("iova", r))} is not an address >= 0 ` +
          `(decimal bytes, or hex with 0x: 4096, 0x1000)`,
      );
    }
    const len = toInteger(raw.cell("length", r), false);
    if (len === undefined || !Number.isInteger(len) || len < 1 || len > 0xffffffff) {
      throw new WorkloadError(
        `${at("length")}: ${show(raw.cell("length", r))} is not a byte count in 1..${0xffffffff}`,
      );
    }
    if (a + len > guestMemory) {
      throw new WorkloadError(
        `${path}: row ${r + 1}${raw.where(r)}: iova 0x${a.toString(16)} + length ${len} is ` +
          `outside guest memory [0, ${formatSize(guestMemory)})`,
      );
    }
    const w = toWrite(raw.cell("write", r));
    if (w === undefined) {
      throw new WorkloadError(
        `${at("write")}: ${show(raw.cell("write", r))} is not a direction ` +
          `(write: 1, true, W, write; read: 0, false, R, read)`,
      );
    }
    timeNs[r] = t;
    iova[r] = a;
    length[r] = len;
    write[r] = w;
  }
  return { path, rows: n, timeNs, iova, length, write, columns: cols };
}
