// `deno task sweep [spec.json|spec.ts] [key=v1,v2 ...] [options]`: a parameter
// sweep in Hydra's style (`iommu.pageSize=4KiB,2MiB seed=range(1,6)`), run on
// workers into the DuckDB store; `--out DIR` (with `--shard i/n` or an array
// job's environment) runs one shard into Parquet files instead; `--emit
// slurm|k8s` writes an array job for the same sweep; `--on slurm` writes it for
// the points not yet stored, submits it, watches it and merges the results into
// the store. Exit codes: 0 done,
// 1 some points failed, 2 bad input, 3 store or engine error, 130 interrupted.

import { Command, InvalidArgumentError, Option } from "commander";
import {
  EngineError,
  planFor,
  readSpecFile,
  resolveEngine,
  specFromArgs,
  StoreError,
  sweep,
  type SweepSpec,
  SweepSpecError,
} from "../lib/sweep/mod.ts";
import {
  emitJob,
  parseShard,
  parseWholeNumber,
  runOnSlurm,
  runShard,
  type Shard,
  ShardError,
  shardFromEnv,
  shardSweepId,
  SlurmRunError,
} from "../lib/distribute/mod.ts";
import { SlurmError } from "../lib/cluster/mod.ts";
import type { PointFailure, ProgressOption } from "../lib/sweep/mod.ts";
import { readConfigFile, UsageError } from "./cli_common.ts";

const program = new Command("sweep")
  .description("run a parameter sweep into the results store (or one shard of it into Parquet)")
  .argument("[args...]", "a spec file (.json/.ts) and/or axes: key=v1,v2 key=range(1,6)")
  .option("-c, --config <file>", "base config (JSON) the axes override")
  .option("--zip <keys>", "axes that move together, comma-separated (repeatable)", collect, [])
  .option("--repeat <n>", "seeds per point, from the base seed up", positive)
  .option("--name <name>", "a label stored with the sweep")
  .option("-w, --workers <n>", "worker threads (default: one per core)", positive)
  .option("--store <path>", "DuckDB store file", "data/results.duckdb")
  .option("--force", "run points again even if stored")
  .option("--engine <module>", "module exporting simulate() (default lib/migration/mod.ts)")
  .addOption(
    new Option("--progress <mode>", "progress display").choices(["auto", "bar", "lines", "none"])
      .default("auto"),
  )
  .option("--progress-interval <s>", "seconds between plain progress lines", seconds, 5)
  .option("--commit-ms <ms>", "longest wait of a finished point before it is stored", int, 500)
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

interface Opts {
  config?: string;
  zip: string[];
  repeat?: number;
  name?: string;
  workers?: number;
  store: string;
  force?: boolean;
  engine?: string;
  progress: Exclude<ProgressOption, (...a: never[]) => void>;
  progressInterval: number;
  commitMs: number;
  dryRun?: boolean;
  json?: boolean;
  shard?: string;
  out?: string;
  emit?: "slurm" | "k8s";
  shards?: number;
  image?: string;
  workdir?: string;
  volumeClaim?: string;
  on?: "slurm";
  partition?: string;
  arrayLimit?: number;
  time?: string;
  cpusPerTask?: number;
}

/** The spec from a spec file and/or command-line axes. */
async function specOf(args: string[], o: Opts): Promise<SweepSpec> {
  const files = args.filter((a) => !a.includes("="));
  if (files.length > 1) throw new UsageError(`one spec file at most, got ${files.join(", ")}`);
  const fromArgs = specFromArgs(args.filter((a) => a.includes("=")), {
    zip: o.zip,
    repeat: o.repeat,
    name: o.name,
    base: o.config ? await readConfigFile(o.config) : undefined,
  });
  if (!files.length) return fromArgs;
  const file = await readSpecFile(files[0]);
  return {
    ...file,
    ...(fromArgs.name ? { name: fromArgs.name } : {}),
    ...(fromArgs.base !== undefined ? { base: fromArgs.base } : {}),
    axes: { ...file.axes, ...fromArgs.axes },
    zip: [...(file.zip ?? []), ...(fromArgs.zip ?? [])],
    ...(fromArgs.repeat !== undefined ? { repeat: fromArgs.repeat } : {}),
  };
}

/** Options that would be ignored in the mode asked for are usage errors, not silently dropped. */
function checkOptions(o: Opts): void {
  if (o.on && (o.emit || o.shard !== undefined || o.force)) {
    throw new UsageError(
      `--on ${o.on} cannot be combined with ${o.emit ? "--emit" : o.force ? "--force" : "--shard"}`,
    );
  }
  if (o.on && o.workers !== undefined) {
    throw new UsageError(
      `--workers does not apply to --on ${o.on}: give the workers per array task with --cpus-per-task`,
    );
  }
  const given = (names: [string, unknown][]) =>
    names.filter(([, v]) => v !== undefined).map(([n]) => n);
  const slurmOnly = given([
    ["--partition", o.partition],
    ["--array-limit", o.arrayLimit],
    ["--time", o.time],
    ["--cpus-per-task", o.cpusPerTask],
  ]);
  if (!o.on && slurmOnly.length) {
    throw new UsageError(`${slurmOnly.join(", ")}: only with --on slurm`);
  }
  if (!o.on && !o.emit && o.shards !== undefined) {
    throw new UsageError("--shards: only with --emit or --on (a shard run takes --shard i/n)");
  }
  const k8sOnly = given([
    ["--image", o.image],
    ["--workdir", o.workdir],
    ["--volume-claim", o.volumeClaim],
  ]);
  if (o.emit !== "k8s" && k8sOnly.length) {
    throw new UsageError(`${k8sOnly.join(", ")}: only with --emit k8s`);
  }
}

function printFailures(failures: PointFailure[]): void {
  for (const f of failures.slice(0, 10)) {
    const axes = Object.entries(f.axes).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
    console.error(`  failed: point ${f.point} (${axes || f.runKey}): ${f.error}`);
  }
  if (failures.length > 10) console.error(`  ... and ${failures.length - 10} more`);
}

async function main(): Promise<number> {
  try {
    program.parse(["deno", "sweep", ...Deno.args]);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<Opts>();
  checkOptions(o);
  const args = program.args;
  const written = { argv: Deno.args };
  const spec = await specOf(args, o);
  const engine = resolveEngine(o.engine);
  const shardMode = !o.on && (o.shard !== undefined || o.out !== undefined);

  if (o.dryRun || o.emit) {
    const plan = await planFor(spec, engine, written);
    if (o.emit) {
      const r = await emitJob(plan, o.emit, {
        outDir: o.out ?? `data/shards/${shardSweepId(plan)}`,
        shards: o.shards,
        workers: o.workers,
        image: o.image,
        workdir: o.workdir,
        volumeClaim: o.volumeClaim,
        engine: o.engine,
      });
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else {
        console.log(`wrote ${r.jobPath} (${plan.points.length} points in ${r.shards} tasks)`);
        console.log(`submit: ${r.submit}`);
        console.log(`then:   ${r.merge}`);
      }
      return 0;
    }
    if (o.json) {
      console.log(JSON.stringify(plan.points.map((p) => ({ ...p, config: undefined })), null, 1));
    } else {
      for (const p of plan.points) {
        const axes = Object.entries(p.axes).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
        console.log(`${String(p.index).padStart(4)}  ${p.runKey}  ${axes}`);
      }
      console.log(
        `${plan.points.length} points` +
          (plan.duplicates ? ` (${plan.duplicates} duplicates dropped)` : ""),
      );
    }
    return 0;
  }

  const abort = new AbortController();
  let firstSignalAt = 0;
  const onSignal = () => {
    // A terminal's Ctrl-C reaches every process of the group, and `deno task`
    // (or npx) passes it on once more: a second signal within a second is that
    // echo, not the user pressing Ctrl-C again.
    const now = performance.now();
    if (firstSignalAt && now - firstSignalAt > 1000) Deno.exit(130);
    if (firstSignalAt) return;
    firstSignalAt = now;
    console.error(
      o.on
        ? "\nsweep: cancelling the Slurm job (scancel), then merging what landed (Ctrl-C again to quit now)"
        : "\nsweep: stopping (finishing the current write; Ctrl-C again to quit now)",
    );
    abort.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    if (o.on === "slurm") {
      const r = await runOnSlurm(spec, {
        store: o.store,
        outDir: o.out,
        engine: o.engine,
        tasks: o.shards,
        arrayLimit: o.arrayLimit,
        partition: o.partition,
        time: o.time,
        cpusPerTask: o.cpusPerTask,
        progress: o.progress,
        progressIntervalSec: o.progressInterval,
        signal: abort.signal,
        written,
        onSubmit: (s) => {
          if (!o.json) {
            console.error(
              `submitted slurm job ${s.jobId}: ${s.points.length} points in ` +
                `${s.taskIds.length} array tasks (${s.jobPath})`,
            );
          }
        },
      });
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else if (r.jobId === null) {
        console.log(
          `sweep ${r.sweepId}: all ${r.points} points already stored in ${r.store}; nothing to submit`,
        );
      } else {
        console.log(
          `sweep ${r.sweepId} on slurm (job ${r.jobId}, ${r.jobState}): ${r.points} points, ` +
            `${r.submitted.length} submitted, ${r.reused} already stored, ${r.ok} ok, ` +
            `${r.failed} failed` + (r.missing ? `, ${r.missing} without a result` : "") +
            ` → ${r.store}` +
            (r.interrupted ? " (cancelled: run again to submit the rest)" : ""),
        );
      }
      printFailures(r.failures);
      return r.interrupted ? 130 : r.failed || r.missing ? 1 : 0;
    }
    if (shardMode) {
      const shard: Shard = o.shard ? parseShard(o.shard) : shardFromEnv() ?? { index: 0, count: 1 };
      const plan = await planFor(spec, engine, written);
      const r = await runShard(plan, {
        shard,
        outDir: o.out ?? `data/shards/${shardSweepId(plan)}`,
        workers: o.workers,
        engine,
        force: o.force,
        progress: o.progress,
        progressIntervalSec: o.progressInterval,
        commitMs: o.commitMs,
        signal: abort.signal,
        written,
      });
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else {
        console.log(
          `shard ${shard.index}/${shard.count} of ${r.sweepId}: ${r.points} points, ${r.ran} run, ` +
            `${r.reused} done before, ${r.failed} failed → ${r.outDir}`,
        );
      }
      printFailures(r.failures);
      return r.interrupted ? 130 : r.failed ? 1 : 0;
    }
    const r = await sweep(spec, {
      store: o.store,
      workers: o.workers,
      force: o.force,
      engine,
      progress: o.progress,
      progressIntervalSec: o.progressInterval,
      commitMs: o.commitMs,
      signal: abort.signal,
      written,
    });
    if (o.json) {
      const { query: _q, runs: _r, plan: _p, ...rest } = r;
      console.log(JSON.stringify(rest, null, 2));
    } else {
      console.log(
        `sweep ${r.sweepId}: ${r.points} points, ${r.ran} run, ${r.reused} already stored, ` +
          `${r.failed} failed in ${(r.wallMs / 1000).toFixed(1)} s → ${r.store}` +
          (r.interrupted ? " (interrupted: run again to resume)" : ""),
      );
    }
    printFailures(r.failures);
    return r.interrupted ? 130 : r.failed ? 1 : 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  if (e instanceof SweepSpecError || e instanceof UsageError || e instanceof ShardError) {
    console.error(`sweep: ${e.message}`);
    Deno.exit(2);
  }
  if (
    e instanceof StoreError || e instanceof EngineError || e instanceof SlurmError ||
    e instanceof SlurmRunError
  ) {
    console.error(`sweep: ${e.message}`);
    Deno.exit(3);
  }
  throw e;
}
