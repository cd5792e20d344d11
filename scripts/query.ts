// `deno task query ["SQL"] [--store PATH] [--json | --csv]`: SQL on the results
// store (tables sweeps, sweep_points, runs, rounds), printed as a table, or as
// JSON / CSV for other programs. Without SQL it lists the sweeps.
// Exit codes: 0, 2 bad usage or SQL, 3 store unusable.

import { Command } from "commander";
import {
  DEFAULT_STORE,
  formatTable,
  queryRows,
  StoreError,
  toCsv,
  toJson,
} from "../lib/store/mod.ts";
import { exitOnError, parseOrExit } from "./cli_common.ts";

const LIST_SWEEPS = `SELECT id, name, status, points, ran, reused, failed, started_at, ended_at,
  git_commit[1:10] AS git_commit, git_dirty, engine_version FROM sweeps ORDER BY started_at`;

const program = new Command("query")
  .description("run SQL on the results store")
  .argument("[sql]", "a SQL query (default: list the sweeps)")
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--json", "print rows as a JSON array")
  .option("--csv", "print rows as CSV")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<{ store: string; json?: boolean; csv?: boolean }>();
try {
  const rows = await queryRows(program.args[0] ?? LIST_SWEEPS, { store: opts.store });
  if (opts.json) console.log(toJson(rows));
  else if (opts.csv) console.log(toCsv(rows).trimEnd());
  else console.log(formatTable(rows));
} catch (e) {
  exitOnError("query", e, (e) => e instanceof StoreError ? 3 : 2);
}
