// Parquet in and out of the store: a sweep exported as runs.parquet,
// rounds.parquet and sweep.json (and imported back), and run files, one run
// with its rounds nested, written by a process holding no store and ingested
// in bulk, deduplicated by run key (an ok run is kept, a failed one gives way).
// What a directory of run files means (a shard's output) is not the store's.

import { ident, runColumns } from "./columns.ts";
import {
  DEFAULT_STORE,
  exists,
  type Rows,
  type RunRecord,
  sqlLiteral,
  Store,
  StoreError,
  storeError,
  type SweepRecord,
  type SweepRow,
  type Tx,
  writeTextAtomic,
} from "./store.ts";

export const PUBLISHED_DIR = "data/published";

export interface IngestResult {
  /** Run keys new to the store. */
  added: number;
  /** Stored failed runs replaced by ok ones (or any, with force). */
  replaced: number;
  /** Incoming runs not taken: the store already had them ok. */
  skipped: number;
  /** Sweeps recorded. */
  sweeps: string[];
}

/** What an ingest did to the runs. */
export type IngestCounts = Omit<IngestResult, "sweeps">;

/** Adds to `table` the columns of `source` (a temp table) it lacks. */
async function addMissingColumns(tx: Tx, table: string, source: string): Promise<void> {
  const have = new Set(
    (await tx.read(
      `SELECT lower(column_name) AS name FROM information_schema.columns WHERE table_name = $1`,
      [table],
    )).rows.map((r) => r.name as string),
  );
  const incoming = await tx.read(`DESCRIBE ${source}`);
  for (const c of incoming.rows) {
    const name = c.column_name as string;
    if (!have.has(name.toLowerCase())) {
      await tx.run(`ALTER TABLE ${table} ADD COLUMN ${ident(name)} ${c.column_type}`);
    }
  }
}

/**
 * Moves runs from the temp tables `incoming` and `incoming_rounds` into the
 * store, deduplicating by run key. Runs inside the caller's transaction.
 */
async function applyIncoming(tx: Tx, force: boolean): Promise<IngestCounts> {
  await addMissingColumns(tx, "runs", "incoming");
  await addMissingColumns(tx, "rounds", "incoming_rounds");
  await tx.run(
    `CREATE OR REPLACE TEMP TABLE take AS
     SELECT i.run_key, r.run_key IS NOT NULL AS existed
     FROM incoming i LEFT JOIN runs r USING (run_key)
     WHERE ${force ? "TRUE" : "r.run_key IS NULL OR (r.status <> 'ok' AND i.status = 'ok')"}`,
  );
  const counts = (await tx.read(
    `SELECT count(*) FILTER (WHERE NOT existed) AS added, count(*) FILTER (WHERE existed) AS replaced,
            (SELECT count(*) FROM incoming) AS incoming FROM take`,
  )).rows[0];
  await tx.run(`DELETE FROM rounds WHERE run_key IN (SELECT run_key FROM take)`);
  await tx.run(`DELETE FROM runs WHERE run_key IN (SELECT run_key FROM take)`);
  await tx.run(
    `INSERT INTO runs BY NAME SELECT * FROM incoming WHERE run_key IN (SELECT run_key FROM take)`,
  );
  await tx.run(
    `INSERT INTO rounds BY NAME SELECT * FROM incoming_rounds
     WHERE run_key IN (SELECT run_key FROM take)`,
  );
  for (const t of ["take", "incoming", "incoming_rounds", "staged"]) {
    await tx.run(`DROP TABLE IF EXISTS ${t}`);
  }
  const added = counts.added as number;
  const replaced = counts.replaced as number;
  return { added, replaced, skipped: (counts.incoming as number) - added - replaced };
}

/** A Parquet file as a table in SQL: `read_parquet('<path>')`, the path quoted by sqlLiteral. */
export function parquetTable(path: string): string {
  return `read_parquet(${sqlLiteral(path)})`;
}

/** Every row of a Parquet file as plain JS values, read through an in-memory DuckDB. */
export async function readParquetRows(path: string): Promise<Rows["rows"]> {
  const mem = await Store.open(":memory:");
  try {
    return (await mem.read(`SELECT * FROM ${parquetTable(path)}`)).rows;
  } finally {
    mem.close();
  }
}

export interface IngestOptions {
  store?: string;
  /** Replace stored runs even when they are ok. */
  force?: boolean;
}

/** The column of a run file holding its rounds (runs has a metric named rounds). */
export const RUN_FILE_ROUNDS = "round_records";

/**
 * Writes run files: each record goes through an in-memory store (the same
 * tables as a store file) and out as one Parquet file, written under a
 * temporary name and renamed, so a reader never sees half a run.
 */
export class RunFileWriter {
  private constructor(private readonly mem: Store, private readonly select: string) {}

  static async open(): Promise<RunFileWriter> {
    const cols = runColumns().map((c) => `r.${ident(c.name)}`).join(", ");
    return new RunFileWriter(
      await Store.open(":memory:"),
      `SELECT ${cols}, (SELECT list(x ORDER BY x.round) FROM rounds x ` +
        `WHERE x.run_key = r.run_key) AS ${RUN_FILE_ROUNDS} FROM runs r`,
    );
  }

  /** Writes `record` with its rounds to `path`. */
  async write(record: RunRecord, path: string): Promise<void> {
    try {
      await this.mem.writeRuns([record]);
      await this.mem.copyParquet(this.select, path);
    } finally {
      await this.mem.run(`DELETE FROM rounds; DELETE FROM runs`).catch(() => {});
    }
  }

  close(): void {
    this.mem.close();
  }
}

/**
 * Ingests run files into an open store, in one transaction: one run per run
 * key (an ok file wins over a failed one), deduplicated against the store.
 */
export async function ingestRunFiles(
  store: Store,
  files: readonly string[],
  force = false,
): Promise<IngestCounts> {
  if (files.length === 0) return { added: 0, replaced: 0, skipped: 0 };
  const list = `[${files.map((f) => sqlLiteral(f)).join(", ")}]`;
  return await store.transaction(async (tx) => {
    // One row per run key: an ok file wins over a failed one.
    await tx.run(
      `CREATE OR REPLACE TEMP TABLE staged AS
       SELECT * FROM read_parquet(${list}, union_by_name = true, filename = true)
       QUALIFY row_number() OVER (PARTITION BY run_key ORDER BY (status = 'ok') DESC, filename) = 1`,
    );
    await tx.run(
      `CREATE OR REPLACE TEMP TABLE incoming AS
       SELECT * EXCLUDE (${RUN_FILE_ROUNDS}, filename) FROM staged`,
    );
    await tx.run(
      `CREATE OR REPLACE TEMP TABLE incoming_rounds AS
       SELECT UNNEST(${RUN_FILE_ROUNDS}, recursive := true) FROM staged`,
    );
    return await applyIncoming(tx, force);
  }).catch((e) => {
    throw storeError(store.path, e, "merge into");
  });
}

/** Finds a sweep by id, name (the latest with it), unique id prefix, or "latest". */
export async function resolveSweep(store: Store, selector: string): Promise<SweepRow> {
  const first = async (where: string, values: string[]) =>
    (await store.read(`SELECT * FROM sweeps WHERE ${where} ORDER BY started_at DESC`, values)).rows;
  let rows = selector === "latest" ? await first("TRUE", []) : await first("id = $1", [selector]);
  if (rows.length === 0) rows = await first("name = $1", [selector]);
  if (rows.length === 0) {
    rows = await first("starts_with(id, $1)", [selector]);
    if (rows.length > 1) {
      throw new StoreError(
        `sweep ${selector} is ambiguous: ${rows.map((r) => r.id).join(", ")}; give more of the id`,
        "missing",
      );
    }
  }
  if (rows.length === 0) throw new StoreError(`no sweep ${selector} in ${store.path}`, "missing");
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v as string | null));
  return {
    ...rows[0],
    started_at: iso(rows[0].started_at),
    ended_at: iso(rows[0].ended_at),
  } as SweepRow;
}

export interface ExportOptions {
  store?: string;
  /** Parent directory (default data/published); files go to <outDir>/<sweep id>/. */
  outDir?: string;
}

export interface ExportResult {
  sweepId: string;
  dir: string;
  runs: number;
  rounds: number;
  files: string[];
}

/** Writes a sweep's runs and rounds as Parquet, and its provenance as sweep.json. */
export async function exportSweep(
  selector: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const store = await Store.open(options.store ?? DEFAULT_STORE, { readOnly: true });
  try {
    const sweep = await resolveSweep(store, selector);
    const dir = `${options.outDir ?? PUBLISHED_DIR}/${sweep.id}`;
    await Deno.mkdir(dir, { recursive: true });
    const id = sqlLiteral(sweep.id);
    const members = `SELECT run_key, point FROM sweep_points WHERE sweep_id = ${id}`;
    const selects = {
      "runs.parquet": `SELECT r.* FROM runs r JOIN (${members}) p USING (run_key) ORDER BY p.point`,
      "rounds.parquet": `SELECT x.* FROM rounds x JOIN (${members}) p USING (run_key)
                         ORDER BY p.point, x.round`,
    };
    const files: string[] = [];
    for (const [name, select] of Object.entries(selects)) {
      await store.copyParquet(select, `${dir}/${name}`);
      files.push(`${dir}/${name}`);
    }
    const points = (await store.read(
      `SELECT point, run_key, axes_json FROM sweep_points WHERE sweep_id = $1 ORDER BY point`,
      [sweep.id],
    )).rows.map((p) => ({
      point: p.point as number,
      runKey: p.run_key as string,
      axes: JSON.parse(p.axes_json as string),
    }));
    const manifest = `${dir}/sweep.json`;
    const record: SweepRecord = { sweep, points };
    await writeTextAtomic(manifest, JSON.stringify(record, null, 1));
    files.push(manifest);
    const count = async (f: string) =>
      (await store.read(`SELECT count(*) AS n FROM ${parquetTable(f)}`)).rows[0].n as number;
    return {
      sweepId: sweep.id,
      dir,
      runs: await count(files[0]),
      rounds: await count(files[1]),
      files,
    };
  } finally {
    store.close();
  }
}

/** Reads an exported sweep (runs.parquet, rounds.parquet, sweep.json) into the store. */
export async function importSweep(dir: string, options: IngestOptions = {}): Promise<IngestResult> {
  const runs = `${dir}/runs.parquet`;
  const rounds = `${dir}/rounds.parquet`;
  for (const f of [runs, rounds]) {
    if (!(await exists(f))) {
      throw new StoreError(`${f} not found: not an exported sweep`, "missing");
    }
  }
  let manifest: SweepRecord | undefined;
  if (await exists(`${dir}/sweep.json`)) {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}/sweep.json`));
  }
  const storePath = options.store ?? DEFAULT_STORE;
  const store = await Store.open(storePath);
  try {
    const result = await store.transaction(async (tx) => {
      await tx.run(
        `CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM ${parquetTable(runs)}
         QUALIFY row_number() OVER (PARTITION BY run_key ORDER BY (status = 'ok') DESC) = 1`,
      );
      await tx.run(
        `CREATE OR REPLACE TEMP TABLE incoming_rounds AS SELECT * FROM ${parquetTable(rounds)}`,
      );
      return await applyIncoming(tx, options.force ?? false);
    }).catch((e) => {
      throw storeError(storePath, e, "import into");
    });
    const sweeps: string[] = [];
    if (manifest) {
      const have = await store.read(`SELECT 1 FROM sweeps WHERE id = $1`, [manifest.sweep.id]);
      if (have.rows.length === 0) {
        await store.putSweep(manifest.sweep);
        await store.putSweepPoints(manifest.sweep.id, manifest.points);
      }
      sweeps.push(manifest.sweep.id);
    }
    return { ...result, sweeps };
  } finally {
    store.close();
  }
}

/** Whether `dir` holds an exported sweep (runs.parquet), as exportSweep writes it. */
export async function isExportedSweep(dir: string): Promise<boolean> {
  return await exists(`${dir}/runs.parquet`);
}
