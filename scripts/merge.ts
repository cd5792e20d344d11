// `deno task merge DIR... [--store PATH] [--force]`: ingests into the store the
// Parquet files that sweep shards wrote to DIR (one per point), or a sweep
// exported by `deno task export` (runs.parquet, rounds.parquet). Runs are
// deduplicated by run key: a stored ok run is kept unless --force. Exit codes:
// 0 merged, 2 bad usage (e.g. a directory that is not there), 3 store or input error.

import { Command } from "commander";
import { ingestDir } from "../lib/distribute/mod.ts";
import { DEFAULT_STORE, StoreError } from "../lib/store/mod.ts";
import { exitOnError, parseOrExit, UsageError } from "./cli_common.ts";

const program = new Command("merge")
  .description("merge shard results or an exported sweep into the store")
  .argument("<dirs...>", "shard output or export directories")
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--force", "replace stored runs that are ok")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<{ store: string; force?: boolean }>();
try {
  // A directory that is not there is bad usage (exit 2), not a store fault.
  for (const dir of program.args) {
    let isDir: boolean;
    try {
      isDir = (await Deno.stat(dir)).isDirectory;
    } catch (e) {
      throw new UsageError(`${dir}: no such directory (${(e as Error).message})`);
    }
    if (!isDir) {
      throw new UsageError(`${dir} is not a directory (give a shard output or export directory)`);
    }
  }
  for (const dir of program.args) {
    const r = await ingestDir(dir.replace(/\/+$/, ""), { store: opts.store, force: opts.force });
    console.log(
      `${dir}: ${r.added} runs added, ${r.replaced} replaced, ${r.skipped} already stored` +
        (r.sweeps.length ? ` (sweep ${r.sweeps.join(", ")})` : "") + ` → ${opts.store}`,
    );
  }
} catch (e) {
  exitOnError("merge", e, (e) => e instanceof StoreError ? 3 : 2);
}
