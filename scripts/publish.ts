// `deno task publish [--sweep ID] [--store PATH] [--out DIR] [--no-readme]`:
// runs the headline sweep (reusing stored points; or takes a stored sweep
// with --sweep) and publishes it into data/published/<sweep id>/ (runs and
// rounds as Parquet, sweep.json, frontier.svg whose caption names that
// sweep), with the sweeps the executed notebooks' figures name; an older
// folder of a sweep of the same name is removed. Then the README's headline
// numbers and links are rewritten from the published Parquet.
// Exit codes: 0, 1 the README's claims no longer hold, 2 bad usage, 3 store.

import { Command } from "commander";
import { parseOrExit } from "./cli_common.ts";
import { publish } from "../lib/site/mod.ts";
import { DEFAULT_STORE, PUBLISHED_DIR, StoreError } from "../lib/sweep/mod.ts";

const program = new Command("publish")
  .description("publish the headline sweep (and the notebooks' sweeps) to data/published/")
  .option("--sweep <sweep>", "publish this stored sweep as the headline instead of running it")
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--out <dir>", "parent directory of the published folders", PUBLISHED_DIR)
  .option("--no-readme", "leave README.md as it is")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<{ sweep?: string; store: string; out: string; readme: boolean }>();
try {
  const r = await publish({
    sweep: opts.sweep,
    store: opts.store,
    outDir: opts.out,
    readme: opts.readme ? "README.md" : null,
    progress: "auto",
    log: (line) => console.log(line),
  });
  for (const p of [r.headline, ...r.others]) {
    for (const d of p.removed) console.log(`removed ${d} (an older sweep “${p.name}”)`);
  }
  console.log(`\nheadline numbers (README): ${r.sentence}`);
  console.log(r.readmeUpdated ? "README.md updated" : "README.md unchanged");
  if (r.broken.length) {
    console.error(`publish: the README's sentence no longer holds: ${r.broken.join("; ")}`);
    Deno.exit(1);
  }
} catch (e) {
  console.error(`publish: ${(e as Error).message.split("\n")[0]}`);
  Deno.exit(e instanceof StoreError ? 3 : 2);
}
