// `deno task reproduce <published dir | figure.svg | sweep id> [--json] [--workers N]
// [--limit N] [--run KEY ...] [--store PATH]`: reruns every run behind a
// published figure from its stored effective config and compares every
// metric with the published value (identical with the same engine version,
// else within each metric's stated tolerance). Prints the differences as a
// table (run key, metric, published, now, change).
// Exit codes: 0 all agree, 1 a mismatch, 2 bad input.

import { Command } from "commander";
import { parseOrExit } from "./cli_common.ts";
import { formatReport, reproduce, ReproduceInputError } from "../lib/site/mod.ts";
import { DEFAULT_STORE, formatEta } from "../lib/sweep/mod.ts";

const program = new Command("reproduce")
  .description("rerun the runs behind a published figure and compare every metric")
  .argument("<target>", "a published folder (data/published/<id>), a figure (.svg) or a sweep id")
  .option("--json", "print the report as JSON")
  .option("--workers <n>", "worker threads (default: one per core)")
  .option("--limit <n>", "only the first N runs (a quick check)")
  .option("--run <key...>", "only these run keys")
  .option("--store <path>", "DuckDB store, for a sweep id not published", DEFAULT_STORE)
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<
  { json?: boolean; workers?: string; limit?: string; run?: string[]; store: string }
>();

function whole(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`reproduce: --${name} ${v} is not a whole number ≥ 1`);
    Deno.exit(2);
  }
  return n;
}

const t0 = performance.now();
let last = 0;
const tty = Deno.stderr.isTerminal();
const progress = (done: number, total: number) => {
  const t = performance.now();
  if (done < total && t - last < (tty ? 200 : 5000)) return;
  last = t;
  const perRun = (t - t0) / 1000 / done;
  const line = `reproduce: ${done}/${total} runs, ETA ${formatEta(perRun * (total - done))}`;
  if (tty) {
    Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}\x1b[K${done === total ? "\n" : ""}`));
  } else console.error(line);
};

try {
  const report = await reproduce(program.args[0], {
    store: opts.store,
    workers: whole("workers", opts.workers),
    limit: whole("limit", opts.limit),
    runKeys: opts.run,
    progress,
  });
  console.log(
    opts.json
      ? JSON.stringify(report, (_k, v) => (v === Infinity ? "Infinity" : v), 2)
      : formatReport(report),
  );
  Deno.exit(report.ok ? 0 : 1);
} catch (e) {
  if (e instanceof ReproduceInputError) {
    console.error(`reproduce: ${e.message}`);
    Deno.exit(2);
  }
  throw e;
}
