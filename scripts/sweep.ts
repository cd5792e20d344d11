// `deno task sweep [spec.json|spec.ts] [key=v1,v2 ...] [options]`: a sweep in
// Hydra's style (`iommu.pageSize=4KiB,2MiB seed=range(1,6)`), here into the
// store, as one shard (`--out`, `--shard i/n`), as an array job (`--emit`) or
// on Slurm (`--on slurm`); the modes are lib/distribute/command.ts. Exit: 0
// done, 1 points failed, 2 bad input, 3 store/engine/cluster error, 130 Ctrl-C.

import { Command, InvalidArgumentError, Option } from "commander";
import {
  commandSpec,
  parseWholeNumber,
  runSweepCommand,
  type SweepCommandOptions,
  sweepExitCode,
  sweepMode,
} from "../lib/distribute/mod.ts";
import { DEFAULT_STORE } from "../lib/store/mod.ts";
import { exitOnError, interruptSignal, parseOrExit } from "./cli_common.ts";

const program = new Command("sweep")
  .description("run a parameter sweep into the results store (or one shard of it into Parquet)")
  .argument("[args...]", "a spec file (.json/.ts) and/or axes: key=v1,v2 key=range(1,6)")
  .option("-c, --config <file>", "base config (JSON) the axes override")
  .option("--zip <keys>", "axes that move together, comma-separated (repeatable)", collect, [])
  .option("--repeat <n>", "seeds per point, from the base seed up", positive)
  .option("--name <name>", "a label stored with the sweep")
  .option("-w, --workers <n>", "worker threads (default: one per core)", positive)
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--force", "run points again even if stored")
  .option("--engine <module>", "module exporting simulate() (default lib/migration/mod.ts)")
  .addOption(
    new Option("--progress <mode>", "progress display").choices(["auto", "bar", "lines", "none"])
      .default("auto"),
  )
  .option("--progress-interval <s>", "seconds between plain progress lines", seconds, 5)
  .option(
    "--commit-ms <ms>",
    "longest wait of a finished point before it is stored (default 2000: lib/sweep/commit.ts)",
    int,
  )
  .option("--dry-run", "print the expanded points and stop")
  .option("--json", "print the outcome as JSON")
  .option("--shard <i/n>", "run every n-th point (from i) into --out as Parquet")
  .option("--out <dir>", "shard output directory (default data/shards/<sweep id>)")
  .addOption(new Option("--emit <kind>", "write an array job instead of running").choices([
    "slurm",
    "k8s",
  ]))
  .option(
    "--shards <n>",
    "array tasks for --emit (default: points, at most 16) or --on (default: one per point)",
    positive,
  )
  .addOption(
    new Option("--on <scheduler>", "run on a cluster: submit, watch, merge into the store")
      .choices(["slurm"]),
  )
  .option("--partition <name>", "Slurm partition for --on slurm")
  .option("--array-limit <k>", "at most k array tasks at once for --on slurm", positive)
  .option("--time <limit>", "time limit per array task for --on slurm (e.g. 30:00)")
  .option("--cpus-per-task <n>", "CPUs (sweep workers) per array task for --on slurm", positive)
  .option("--image <image>", "container image for --emit k8s")
  .option("--workdir <dir>", "project checkout in the container for --emit k8s")
  .option("--volume-claim <name>", "PersistentVolumeClaim with the checkout for --emit k8s")
  .showHelpAfterError()
  .exitOverride();

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function int(v: string): number {
  const n = parseWholeNumber(v);
  if (n === undefined) throw new InvalidArgumentError(`"${v}" is not a whole number`);
  return n;
}

function positive(v: string): number {
  const n = int(v);
  if (n < 1) throw new InvalidArgumentError(`"${v}" must be at least 1`);
  return n;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!(n >= 0)) throw new InvalidArgumentError(`"${v}" is not a number of seconds`);
  return n;
}

async function main(): Promise<number> {
  parseOrExit(program);
  const o = program.opts<SweepCommandOptions>();
  const mode = sweepMode(o);
  const spec = await commandSpec(program.args, o);
  const interrupt = interruptSignal(
    mode === "slurm"
      ? "\nsweep: cancelling the Slurm job (scancel), then merging what landed (Ctrl-C again to quit now)"
      : "\nsweep: stopping (finishing the current write; Ctrl-C again to quit now)",
  );
  try {
    const r = await runSweepCommand(spec, o, {
      written: { argv: Deno.args },
      signal: interrupt.signal,
      note: (line) => console.error(line),
    });
    console.log(r.stdout);
    for (const line of r.stderr) console.error(line);
    return r.code;
  } finally {
    interrupt.dispose();
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  exitOnError("sweep", e, sweepExitCode);
}
