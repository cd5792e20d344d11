// `deno task sweep`'s modes as one function, so the script only parses
// arguments: list the points (--dry-run), write an array job (--emit), run on
// Slurm (--on slurm), run one shard into a results directory (--shard/--out)
// or run here into the store. Options that the chosen mode would ignore are
// refused, and each error class maps to the command's exit code.

import { ConfigFileError, readConfigFile } from "../config/mod.ts";
import { SlurmError } from "../cluster/mod.ts";
import { DEFAULT_STORE, StoreError } from "../store/mod.ts";
import {
  EngineError,
  planFor,
  type PointFailure,
  type ProgressOption,
  readSpecFile,
  resolveEngine,
  specFromArgs,
  sweep,
  type SweepPlan,
  type SweepSpec,
  SweepSpecError,
} from "../sweep/mod.ts";
import { emitJob } from "./emit.ts";
import { parseShard, runShard, ShardError, shardFromEnv, shardSweepId } from "./shard.ts";
import { runOnSlurm, SlurmRunError } from "./slurm_run.ts";

/** Options that do not fit together, or do not apply to the mode asked for (exit code 2). */
export class SweepUsageError extends Error {
  override name = "SweepUsageError";
}

/** The sweep command's options, as parsed from its command line. */
export interface SweepCommandOptions {
  config?: string;
  zip?: string[];
  repeat?: number;
  name?: string;
  workers?: number;
  store?: string;
  force?: boolean;
  engine?: string;
  progress?: Exclude<ProgressOption, (...a: never[]) => void>;
  progressInterval?: number;
  commitMs?: number;
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

export type SweepMode = "emit" | "dry-run" | "slurm" | "shard" | "local";

/** The mode `o` asks for; options that would be ignored in it are a SweepUsageError. */
export function sweepMode(o: SweepCommandOptions): SweepMode {
  if (o.on && (o.emit || o.shard !== undefined || o.force)) {
    throw new SweepUsageError(
      `--on ${o.on} cannot be combined with ${o.emit ? "--emit" : o.force ? "--force" : "--shard"}`,
    );
  }
  if (o.on && o.workers !== undefined) {
    throw new SweepUsageError(
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
    throw new SweepUsageError(`${slurmOnly.join(", ")}: only with --on slurm`);
  }
  if (!o.on && !o.emit && o.shards !== undefined) {
    throw new SweepUsageError("--shards: only with --emit or --on (a shard run takes --shard i/n)");
  }
  const k8sOnly = given([
    ["--image", o.image],
    ["--workdir", o.workdir],
    ["--volume-claim", o.volumeClaim],
  ]);
  if (o.emit !== "k8s" && k8sOnly.length) {
    throw new SweepUsageError(`${k8sOnly.join(", ")}: only with --emit k8s`);
  }
  if (o.emit) return "emit";
  if (o.dryRun) return "dry-run";
  if (o.on === "slurm") return "slurm";
  return o.shard !== undefined || o.out !== undefined ? "shard" : "local";
}

/** The spec from a spec file and/or command-line axes (`key=v1,v2`); the axes add to the file's. */
export async function commandSpec(args: string[], o: SweepCommandOptions): Promise<SweepSpec> {
  const files = args.filter((a) => !a.includes("="));
  if (files.length > 1) throw new SweepUsageError(`one spec file at most, got ${files.join(", ")}`);
  const fromArgs = specFromArgs(args.filter((a) => a.includes("=")), {
    zip: o.zip ?? [],
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

/** What the command prints and its exit code: 0 done, 1 some points failed, 130 interrupted. */
export interface CommandOutcome {
  code: number;
  /** The result (stdout): text, or JSON with --json. */
  stdout: string;
  /** The failed points, one line each (stderr). */
  stderr: string[];
}

/** Lines naming the failed points (the first ten). */
export function failureLines(failures: readonly PointFailure[]): string[] {
  const lines = failures.slice(0, 10).map((f) => {
    const axes = Object.entries(f.axes).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
    return `  failed: point ${f.point} (${axes || f.runKey}): ${f.error}`;
  });
  if (failures.length > 10) lines.push(`  ... and ${failures.length - 10} more`);
  return lines;
}

/** The exit code an error of the sweep command means (2 bad input, 3 store, engine or cluster), or undefined. */
export function sweepExitCode(e: unknown): number | undefined {
  if (
    e instanceof SweepSpecError || e instanceof SweepUsageError || e instanceof ShardError ||
    e instanceof ConfigFileError
  ) return 2;
  if (
    e instanceof StoreError || e instanceof EngineError || e instanceof SlurmError ||
    e instanceof SlurmRunError
  ) return 3;
  return undefined;
}

export interface RunCommandOptions {
  /** The spec as written, stored with the sweep (the command line). */
  written?: unknown;
  signal?: AbortSignal;
  /** A note while it runs (the Slurm job's submission), e.g. to stderr. */
  note?: (line: string) => void;
}

const axesText = (axes: Record<string, unknown>) =>
  Object.entries(axes).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");

function dryRun(plan: SweepPlan, json: boolean): string {
  if (json) return JSON.stringify(plan.points.map((p) => ({ ...p, config: undefined })), null, 1);
  return [
    ...plan.points.map((p) => `${String(p.index).padStart(4)}  ${p.runKey}  ${axesText(p.axes)}`),
    `${plan.points.length} points` +
    (plan.duplicates ? ` (${plan.duplicates} duplicates dropped)` : ""),
  ].join("\n");
}

/** Runs the sweep command in the mode its options ask for (see sweepMode). */
export async function runSweepCommand(
  spec: SweepSpec,
  o: SweepCommandOptions,
  run: RunCommandOptions = {},
): Promise<CommandOutcome> {
  const mode = sweepMode(o);
  const engine = resolveEngine(o.engine);
  const store = o.store ?? DEFAULT_STORE;
  const json = (x: unknown) => JSON.stringify(x, null, 2);
  const progress = o.progress ?? "auto";
  if (mode === "emit" || mode === "dry-run") {
    const plan = await planFor(spec, engine, run.written);
    if (mode === "dry-run") return { code: 0, stdout: dryRun(plan, o.json ?? false), stderr: [] };
    const r = await emitJob(plan, o.emit!, {
      outDir: o.out ?? `data/shards/${shardSweepId(plan)}`,
      shards: o.shards,
      workers: o.workers,
      image: o.image,
      workdir: o.workdir,
      volumeClaim: o.volumeClaim,
      engine: o.engine,
    });
    const text = [
      `wrote ${r.jobPath} (${plan.points.length} points in ${r.shards} tasks)`,
      `submit: ${r.submit}`,
      `then:   ${r.merge}`,
    ].join("\n");
    return { code: 0, stdout: o.json ? json(r) : text, stderr: [] };
  }
  if (mode === "slurm") {
    const r = await runOnSlurm(spec, {
      store,
      outDir: o.out,
      engine: o.engine,
      tasks: o.shards,
      arrayLimit: o.arrayLimit,
      partition: o.partition,
      time: o.time,
      cpusPerTask: o.cpusPerTask,
      progress,
      progressIntervalSec: o.progressInterval,
      signal: run.signal,
      written: run.written,
      onSubmit: (s) => {
        if (!o.json) {
          run.note?.(
            `submitted slurm job ${s.jobId}: ${s.points.length} points in ` +
              `${s.taskIds.length} array tasks (${s.jobPath})`,
          );
        }
      },
    });
    const text = r.jobId === null
      ? `sweep ${r.sweepId}: all ${r.points} points already stored in ${r.store}; nothing to submit`
      : `sweep ${r.sweepId} on slurm (job ${r.jobId}, ${r.jobState}): ${r.points} points, ` +
        `${r.submitted.length} submitted, ${r.reused} already stored, ${r.ok} ok, ` +
        `${r.failed} failed` + (r.missing ? `, ${r.missing} without a result` : "") +
        ` → ${r.store}` + (r.interrupted ? " (cancelled: run again to submit the rest)" : "");
    return {
      code: r.interrupted ? 130 : r.failed || r.missing ? 1 : 0,
      stdout: o.json ? json(r) : text,
      stderr: failureLines(r.failures),
    };
  }
  if (mode === "shard") {
    const shard = o.shard ? parseShard(o.shard) : shardFromEnv() ?? { index: 0, count: 1 };
    const plan = await planFor(spec, engine, run.written);
    const r = await runShard(plan, {
      shard,
      outDir: o.out ?? `data/shards/${shardSweepId(plan)}`,
      workers: o.workers,
      engine,
      force: o.force,
      progress,
      progressIntervalSec: o.progressInterval,
      commitMs: o.commitMs,
      signal: run.signal,
      written: run.written,
    });
    const text =
      `shard ${shard.index}/${shard.count} of ${r.sweepId}: ${r.points} points, ${r.ran} run, ` +
      `${r.reused} done before, ${r.failed} failed → ${r.outDir}`;
    return {
      code: r.interrupted ? 130 : r.failed ? 1 : 0,
      stdout: o.json ? json(r) : text,
      stderr: failureLines(r.failures),
    };
  }
  const r = await sweep(spec, {
    store,
    workers: o.workers,
    force: o.force,
    engine,
    progress,
    progressIntervalSec: o.progressInterval,
    commitMs: o.commitMs,
    signal: run.signal,
    written: run.written,
  });
  const { query: _q, runs: _r, plan: _p, ...rest } = r;
  const text =
    `sweep ${r.sweepId}: ${r.points} points, ${r.ran} run, ${r.reused} already stored, ` +
    `${r.failed} failed in ${(r.wallMs / 1000).toFixed(1)} s → ${r.store}` +
    (r.interrupted ? " (interrupted: run again to resume)" : "");
  return {
    code: r.interrupted ? 130 : r.failed ? 1 : 0,
    stdout: o.json ? json(rest) : text,
    stderr: failureLines(r.failures),
  };
}
