// `deno task export <sweep> [--store PATH] [--out DIR]`: writes a sweep's runs
// and rounds as Parquet (and its provenance as sweep.json) to
// data/published/<sweep id>/ for publishing. <sweep> is an id, a unique id
// prefix, a sweep name or "latest". `deno task merge` reads such a directory
// back into a store.

import { Command } from "commander";
import { DEFAULT_STORE, exportSweep, PUBLISHED_DIR, StoreError } from "../lib/store/mod.ts";
import { exitOnError, parseOrExit } from "./cli_common.ts";

const program = new Command("export")
  .description("export a sweep's runs and rounds as Parquet")
  .argument("<sweep>", 'sweep id, id prefix, name or "latest"')
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--out <dir>", "parent directory of the export", PUBLISHED_DIR)
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<{ store: string; out: string }>();
try {
  const r = await exportSweep(program.args[0], { store: opts.store, outDir: opts.out });
  console.log(`sweep ${r.sweepId}: ${r.runs} runs, ${r.rounds} rounds → ${r.dir}`);
  for (const f of r.files) console.log(`  ${f}`);
} catch (e) {
  exitOnError("export", e, (e) => e instanceof StoreError ? 3 : 2);
}
