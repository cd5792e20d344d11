// `deno task query ["SQL" | --named NAME] [--sweep ID] [--store PATH] [--json | --csv]`: SQL on
// the store (tables sweeps, sweep_points, runs, rounds) as a text table, JSON or CSV; without SQL
// it lists the sweeps. `--named` runs one of lib/queries' named queries (the explorer's strings),
// `--sweep` limits the tables to one sweep's runs. Exit codes: 0, 2 bad usage or SQL, 3 store.

import { Command } from "commander";
import { NAMED_QUERIES, namedQuery } from "../lib/queries/mod.ts";
import {
  DEFAULT_STORE,
  formatTable,
  resolveSweep,
  Store,
  StoreError,
  toCsv,
  toJson,
} from "../lib/store/mod.ts";
import { exitOnError, firstLine, parseOrExit, UsageError } from "./cli_common.ts";

const LIST_SWEEPS = `SELECT id, name, status, points, ran, reused, failed, started_at, ended_at,
  git_commit[1:10] AS git_commit, git_dirty, engine_version FROM sweeps ORDER BY started_at`;

const program = new Command("query")
  .description("run SQL on the results store")
  .argument("[sql]", "a SQL query (default: list the sweeps)")
  .option("--named <name>", `a named query: ${Object.keys(NAMED_QUERIES).join(", ")}`)
  .option("--sweep <sweep>", 'only this sweep\'s runs (id, id prefix, name or "latest")')
  .option("--list", "list the named queries")
  .option("--show", "print the SQL of the query instead of running it")
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--json", "print rows as a JSON array")
  .option("--csv", "print rows as CSV")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<{
  store: string;
  named?: string;
  sweep?: string;
  list?: boolean;
  show?: boolean;
  json?: boolean;
  csv?: boolean;
}>();

/** Temp views named like the tables, holding one sweep's rows (they shadow the tables). */
async function scopeToSweep(store: Store, selector: string): Promise<void> {
  const sweep = await resolveSweep(store, selector);
  const db = (await store.read(`SELECT current_database() AS d`)).rows[0].d as string;
  const t = (name: string) => `"${db.replaceAll('"', '""')}".main.${name}`;
  const id = `'${sweep.id.replaceAll("'", "''")}'`;
  const keys = `SELECT run_key FROM ${t("sweep_points")} WHERE sweep_id = ${id}`;
  await store.run(`CREATE TEMP VIEW sweeps AS SELECT * FROM ${t("sweeps")} WHERE id = ${id}`);
  await store.run(
    `CREATE TEMP VIEW sweep_points AS SELECT * FROM ${t("sweep_points")} WHERE sweep_id = ${id}`,
  );
  await store.run(`CREATE TEMP VIEW runs AS SELECT * FROM ${t("runs")} WHERE run_key IN (${keys})`);
  await store.run(
    `CREATE TEMP VIEW rounds AS SELECT * FROM ${t("rounds")} WHERE run_key IN (${keys})`,
  );
}

let store: Store | undefined;
try {
  if (opts.list) {
    for (const q of Object.values(NAMED_QUERIES)) {
      console.log(`${q.name.padEnd(12)} ${q.description}`);
    }
    Deno.exit(0);
  }
  if (opts.named && program.args[0]) throw new UsageError("give either SQL or --named, not both");
  // An unknown name is exit 2, as every error but the store's.
  const sql = opts.named ? namedQuery(opts.named).sql : program.args[0] ?? LIST_SWEEPS;
  if (opts.show) {
    console.log(sql);
    Deno.exit(0);
  }
  store = await Store.open(opts.store, { readOnly: true });
  if (opts.sweep) await scopeToSweep(store, opts.sweep);
  const rows = await store.read(sql);
  if (opts.json) console.log(toJson(rows));
  else if (opts.csv) console.log(toCsv(rows).trimEnd());
  else console.log(formatTable(rows));
} catch (e) {
  store?.close();
  // A sweep that is not in the store is bad usage, not a store fault.
  const missingSweep = e instanceof StoreError && e.kind === "missing" && opts.sweep;
  exitOnError("query", e, (e) => e instanceof StoreError && !missingSweep ? 3 : 2, firstLine);
}
store.close();
