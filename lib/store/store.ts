// The results store: one native DuckDB file (data/results.duckdb by default)
// with tables sweeps, sweep_points, runs and rounds. One process writes it
// (DuckDB's file lock; a second writer gets a clear StoreError); each batch is
// one transaction, so a kill leaves every point wholly stored or absent.
// DuckDB's errors become messages saying what is wrong and what to do.

import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBValue,
} from "@duckdb/node-api";
import { canonicalJson, flattenConfig } from "../config/mod.ts";
import {
  type Column,
  ident,
  METRIC_TYPES,
  ROUND_TYPES,
  roundColumns,
  runColumns,
  type SqlType,
} from "./columns.ts";
import type { RoundRecord, Summary } from "../migration/mod.ts";
import type { RunConfig } from "../config/mod.ts";

export const DEFAULT_STORE = "data/results.duckdb";

export type StoreErrorKind = "not-duckdb" | "locked" | "disk-full" | "missing" | "io";

/** The store cannot be used; the message says why and what to do. */
export class StoreError extends Error {
  constructor(message: string, readonly kind: StoreErrorKind, override readonly cause?: unknown) {
    super(message);
    this.name = "StoreError";
  }
}

/** Maps a DuckDB or file-system error about `path` to a StoreError. */
export function storeError(path: string, e: unknown, doing = "use"): StoreError {
  if (e instanceof StoreError) return e;
  const text = String((e as Error)?.message ?? e);
  if (/not a valid DuckDB database file|Unable to read .*header|file is not a DuckDB/i.test(text)) {
    return new StoreError(
      `store ${path} is not a DuckDB database (the file exists but holds something else); ` +
        `it was left untouched: pass another --store or move it away`,
      "not-duckdb",
      e,
    );
  }
  const lock = /Could not set lock on file .*?(?:\(PID (\d+)\))?/.exec(text);
  if (lock) {
    const pid = /\(PID (\d+)\)/.exec(text)?.[1];
    return new StoreError(
      `store ${path} is locked by another process${pid ? ` (PID ${pid})` : ""}: ` +
        `DuckDB lets one process open the file at a time; wait for that process to finish ` +
        `(or stop it), or pass another --store`,
      "locked",
      e,
    );
  }
  if (/No space left on device|ENOSPC|disk is full|out of disk/i.test(text)) {
    return new StoreError(
      `store ${path}: the disk is full (${text.split("\n")[0]}); the points committed before ` +
        `this are kept: free space and run the sweep again to finish it`,
      "disk-full",
      e,
    );
  }
  return new StoreError(`store ${path}: cannot ${doing} it: ${text.split("\n")[0]}`, "io", e);
}

/** One point's outcome, as written to runs and rounds. */
export interface RunRecord {
  runKey: string;
  sweepId: string;
  status: "ok" | "failed";
  error: string | null;
  wallMs: number;
  engineVersion: string;
  config: RunConfig;
  summary?: Summary;
  rounds?: RoundRecord[];
}

/** One point of a sweep, as sweep_points holds it. */
export interface SweepPoint {
  point: number;
  runKey: string;
  axes: Record<string, unknown>;
}

/** A sweep's row and its points: what an export's sweep.json holds. */
export interface SweepRecord {
  sweep: SweepRow;
  points: SweepPoint[];
}

export interface SweepRow {
  id: string;
  name: string | null;
  status: string;
  git_commit: string | null;
  git_dirty: boolean | null;
  engine_version: string;
  deno_version: string;
  host: string;
  started_at: string;
  ended_at: string | null;
  spec_json: string;
  expanded_json: string;
  plan_hash: string;
  points: number;
  ran: number;
  reused: number;
  failed: number;
  workers: number | null;
  shard: string | null;
}

export const SWEEP_COLUMNS: Column[] = [
  { name: "id", type: "VARCHAR" },
  { name: "name", type: "VARCHAR" },
  { name: "status", type: "VARCHAR" },
  { name: "git_commit", type: "VARCHAR" },
  { name: "git_dirty", type: "BOOLEAN" },
  { name: "engine_version", type: "VARCHAR" },
  { name: "deno_version", type: "VARCHAR" },
  { name: "host", type: "VARCHAR" },
  { name: "started_at", type: "TIMESTAMP" },
  { name: "ended_at", type: "TIMESTAMP" },
  { name: "spec_json", type: "VARCHAR" },
  { name: "expanded_json", type: "VARCHAR" },
  { name: "plan_hash", type: "VARCHAR" },
  { name: "points", type: "INTEGER" },
  { name: "ran", type: "INTEGER" },
  { name: "reused", type: "INTEGER" },
  { name: "failed", type: "INTEGER" },
  { name: "workers", type: "INTEGER" },
  { name: "shard", type: "VARCHAR" },
];

export const SWEEP_POINT_COLUMNS: Column[] = [
  { name: "sweep_id", type: "VARCHAR" },
  { name: "point", type: "INTEGER" },
  { name: "run_key", type: "VARCHAR" },
  { name: "axes_json", type: "VARCHAR" },
];

export const TABLES: Record<string, () => Column[]> = {
  sweeps: () => SWEEP_COLUMNS,
  sweep_points: () => SWEEP_POINT_COLUMNS,
  runs: runColumns,
  rounds: roundColumns,
};

/** Rows of a query as plain JS values (BIGINT as number when exact). */
export interface Rows {
  columns: string[];
  rows: Record<string, unknown>[];
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  return v;
}

function rowsOf(r: DuckDBResultReader): Rows {
  const columns = r.columnNames();
  const rows = r.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c] = plain(row[c]);
    return out;
  });
  return { columns, rows };
}

/** Statements inside a transaction. */
export interface Tx {
  run(sql: string, values?: unknown[]): Promise<void>;
  read(sql: string, values?: unknown[]): Promise<Rows>;
}

/** An ISO time as DuckDB's TIMESTAMP text (UTC). */
export function sqlTime(iso: string | null): string | null {
  return iso === null ? null : iso.replace("T", " ").replace(/Z$/, "");
}

export interface OpenOptions {
  /** Open for reading only: no schema changes; other readers may share the file. */
  readOnly?: boolean;
}

/** An open store. Calls are serialised: one statement at a time. */
export class Store {
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Run keys in the runs table (this process is its only writer). */
  #known: Set<string> | undefined;
  /** For runs and rounds: each table column, in the table's order, as an index into our rows. */
  #layout: Map<string, TableLayout> | undefined;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly readOnly: boolean,
  ) {}

  /** Opens (creating if needed) a store file, or ":memory:". */
  static async open(path: string = DEFAULT_STORE, options: OpenOptions = {}): Promise<Store> {
    const readOnly = options.readOnly ?? false;
    if (path !== ":memory:") {
      const there = await exists(path);
      if (!there && readOnly) {
        throw new StoreError(`store ${path} does not exist (run a sweep first)`, "missing");
      }
      if (!there) {
        const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
        if (dir) await Deno.mkdir(dir, { recursive: true }).catch(() => {});
      }
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(
        path,
        readOnly ? { access_mode: "READ_ONLY" } : {},
      );
    } catch (e) {
      throw storeError(path, e, "open");
    }
    const conn = await instance.connect();
    const store = new Store(path, instance, conn, readOnly);
    if (!readOnly) {
      try {
        await store.#migrate();
      } catch (e) {
        store.close();
        throw storeError(path, e, "prepare");
      }
    }
    return store;
  }

  #serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(f, f);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Runs one statement (serialised with the others). */
  run(sql: string, values?: DuckDBValue[]): Promise<void> {
    return this.#serial(async () => {
      await this.conn.run(sql, values as DuckDBValue[]);
    });
  }

  /** Runs a query and returns its rows as plain JS values. */
  read(sql: string, values?: DuckDBValue[]): Promise<Rows> {
    return this.#serial(async () => rowsOf(await this.conn.runAndReadAll(sql, values)));
  }

  /** Runs `f` inside one transaction; a failure rolls it back and rethrows. */
  transaction<T>(f: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      await this.conn.run("BEGIN TRANSACTION");
      try {
        const out = await f({
          run: async (sql, values) => {
            await this.conn.run(sql, values as DuckDBValue[]);
          },
          read: async (sql, values) =>
            rowsOf(await this.conn.runAndReadAll(sql, values as DuckDBValue[])),
        });
        await this.conn.run("COMMIT");
        return out;
      } catch (e) {
        await this.conn.run("ROLLBACK").catch(() => {});
        throw e;
      }
    });
  }

  /** Creates missing tables, and columns a newer schema added. */
  async #migrate(): Promise<void> {
    for (const [table, columns] of Object.entries(TABLES)) {
      const cols = columns();
      await this.run(
        `CREATE TABLE IF NOT EXISTS ${table} (${
          cols.map((c) => `${ident(c.name)} ${c.type}`).join(", ")
        })`,
      );
      const have = new Set(
        (await this.read(`PRAGMA table_info(${sqlLiteral(table)})`)).rows.map((r) =>
          (r.name as string).toLowerCase()
        ),
      );
      for (const c of cols) {
        if (!have.has(c.name.toLowerCase())) {
          await this.run(`ALTER TABLE ${table} ADD COLUMN ${ident(c.name)} ${c.type}`);
        }
      }
    }
    // A sweep left "running" was killed: only one process can hold the file.
    await this.run(`UPDATE sweeps SET status = 'interrupted' WHERE status = 'running'`);
  }

  /** Run keys stored with status ok. */
  async okKeys(): Promise<Set<string>> {
    const r = await this.read(`SELECT run_key FROM runs WHERE status = 'ok'`);
    return new Set(r.rows.map((row) => row.run_key as string));
  }

  /**
   * Writes runs (and their rounds) in one transaction, replacing any stored
   * under the same keys. The rows go through DuckDB's appender, a value at a
   * time in the table's column order (half the CPU of one SQL text with
   * literal values, which DuckDB must parse; binding ~70 parameters a row
   * costs more still); the values stored are the same.
   */
  writeRuns(records: RunRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.#serial(async () => {
      this.#known ??= new Set(
        (await this.conn.runAndReadAll(`SELECT run_key FROM runs`)).getColumnsJS()[0] as string[],
      );
      this.#layout ??= new Map([
        ["runs", await this.#tableLayout("runs", runColumns())],
        ["rounds", await this.#tableLayout("rounds", roundColumns())],
      ]);
      const keys = records.map((r) => r.runKey);
      const stale = keys.filter((k) => this.#known!.has(k)).map(sqlLiteral).join(", ");
      try {
        await this.conn.run("BEGIN TRANSACTION");
        if (stale) {
          await this.conn.run(
            `DELETE FROM rounds WHERE run_key IN (${stale});\n` +
              `DELETE FROM runs WHERE run_key IN (${stale})`,
          );
        }
        await this.#append("runs", records.map(runRow));
        await this.#append("rounds", records.flatMap(roundRows));
        await this.conn.run("COMMIT");
      } catch (e) {
        await this.conn.run("ROLLBACK").catch(() => {});
        throw storeError(this.path, e, "write");
      }
      for (const k of keys) this.#known.add(k);
    });
  }

  /** Where each column of `table` (in its order) finds its value in rows of `columns`. */
  async #tableLayout(table: string, columns: Column[]): Promise<TableLayout> {
    const names = (await this.conn.runAndReadAll(
      `SELECT lower(column_name) FROM information_schema.columns WHERE table_name = '${table}' ` +
        `ORDER BY ordinal_position`,
    )).getColumnsJS()[0] as string[];
    const ours = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
    // A column the table has and the rows do not (none today) is left NULL, as INSERT would.
    return names.map((n) => {
      const i = ours.get(n);
      return i === undefined ? { from: -1, type: "VARCHAR" as SqlType, name: n } : {
        from: i,
        type: columns[i].type,
        name: n,
      };
    });
  }

  /** Appends `rows` (in the order of TABLES[table]) to `table`; flushed into the open transaction. */
  async #append(table: string, rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    const layout = this.#layout!.get(table)!;
    const a = await this.conn.createAppender(table);
    try {
      for (const row of rows) {
        for (const c of layout) appendValue(a, c, c.from < 0 ? null : row[c.from]);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  /** Inserts or replaces a sweep row. */
  async putSweep(row: SweepRow): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.run(`DELETE FROM sweeps WHERE id = $1`, [row.id]);
      await tx.run(valuesSql("sweeps", SWEEP_COLUMNS, [sweepValues(row)]));
    }).catch((e) => {
      throw storeError(this.path, e, "write");
    });
  }

  /** Records which points (and run keys) make up a sweep. */
  async putSweepPoints(sweepId: string, points: readonly SweepPoint[]): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.run(`DELETE FROM sweep_points WHERE sweep_id = $1`, [sweepId]);
      const rows = points.map((p) => [sweepId, p.point, p.runKey, JSON.stringify(p.axes)]);
      if (rows.length) await tx.run(valuesSql("sweep_points", SWEEP_POINT_COLUMNS, rows));
    }).catch((e) => {
      throw storeError(this.path, e, "write");
    });
  }

  /**
   * Writes the rows of `select` to a Parquet file under a temporary name, then
   * renames it: a reader never sees a half-written file.
   */
  async copyParquet(select: string, path: string): Promise<void> {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
    const tmp = `${dir}.${path.slice(dir.length)}.tmp`;
    try {
      await this.run(`COPY (${select}) TO ${sqlLiteral(tmp)} (FORMAT parquet)`);
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw storeError(path, e, "write");
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.closeSync();
    } finally {
      this.instance.closeSync();
    }
  }
}

/** A JS value as a SQL literal; numbers round-trip exactly (exponent form is DOUBLE). */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (typeof v === "bigint") return String(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "'NaN'::DOUBLE";
    if (!Number.isFinite(v)) return v > 0 ? "'Infinity'::DOUBLE" : "'-Infinity'::DOUBLE";
    return Number.isSafeInteger(v) ? String(v) : v.toExponential();
  }
  return `'${String(v).replaceAll("'", "''")}'`;
}

/** Whether anything (a file, a folder) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a text file under a temporary name, then renames it into place. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw storeError(path, e, "write");
  }
}

/** INSERT of rows (each in `columns` order) as literal SQL; "" for no rows. */
function valuesSql(table: string, columns: Column[], rows: unknown[][]): string {
  if (rows.length === 0) return "";
  const names = columns.map((c) => ident(c.name)).join(", ");
  const tuples = rows.map((r) => `(${r.map(sqlLiteral).join(", ")})`);
  return `INSERT INTO ${table} (${names}) VALUES ${tuples.join(", ")}`;
}

function runRow(r: RunRecord): unknown[] {
  const head = [r.runKey, r.sweepId, r.status, r.error, r.wallMs, r.engineVersion];
  const config = Object.values(flattenConfig(r.config));
  const metrics = Object.keys(METRIC_TYPES).map((k) => r.summary?.[k as keyof Summary] ?? null);
  return [...head, ...config, canonicalJson(r.config), ...metrics];
}

function roundRows(r: RunRecord): unknown[][] {
  return (r.rounds ?? []).map((round) => [
    r.runKey,
    ...Object.keys(ROUND_TYPES).map((k) => round[k as keyof RoundRecord] ?? null),
  ]);
}

function sweepValues(row: SweepRow): unknown[] {
  return SWEEP_COLUMNS.map((c) => {
    const v = row[c.name as keyof SweepRow];
    return c.type === "TIMESTAMP" ? sqlTime(v as string | null) : v;
  });
}

/** A table's columns in its order: the index of each one's value in our rows (−1: none). */
type TableLayout = { from: number; type: SqlType; name: string }[];

/**
 * One value into the appender as its column's type. The values are those
 * sqlLiteral would write (a JS number into a DOUBLE or BIGINT column, a
 * boolean, a string); anything else is a bug here and fails loudly.
 */
function appendValue(a: DuckDBAppender, c: TableLayout[number], v: unknown): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (c.type) {
    case "DOUBLE":
      if (typeof v === "number") return a.appendDouble(v);
      break;
    case "BIGINT":
      if (typeof v === "number" && Number.isSafeInteger(v)) return a.appendBigInt(BigInt(v));
      if (typeof v === "bigint") return a.appendBigInt(v);
      break;
    case "INTEGER":
      if (typeof v === "number" && Number.isInteger(v)) return a.appendInteger(v);
      break;
    case "BOOLEAN":
      if (typeof v === "boolean") return a.appendBoolean(v);
      break;
    case "VARCHAR":
      if (typeof v === "string") return a.appendVarchar(v);
      break;
  }
  throw new TypeError(`store: column ${c.name} (${c.type}) cannot take ${JSON.stringify(v)}`);
}
