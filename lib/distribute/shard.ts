// Shards of a sweep for the schedulers clusters already run: an array job's
// task i of n runs every n-th point (`--shard i/n`, or read from the
// scheduler's environment). A shard is the sweep skeleton with the shard's
// points, the shared results directory as its sink (results_dir.ts) and this
// machine's workers; `mergeShards` (merge.ts) ingests the directory later.

import {
  DEFAULT_ENGINE,
  onWorkers,
  planFor,
  type ProgressOption,
  resolveEngine,
  runSweep,
  type SweepCounts,
  type SweepPlan,
  type SweepSpec,
  workerCount,
} from "../sweep/mod.ts";
import { manifestName, resultsDirSink } from "./results_dir.ts";

/** Task `index` of `count` (0 <= index < count). */
export interface Shard {
  index: number;
  count: number;
}

/** A shard that cannot be read from the arguments or the environment. */
export class ShardError extends Error {
  override name = "ShardError";
}

/** Reads "i/n". */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new ShardError(`--shard ${text}: expected i/n with 0 <= i < n, e.g. 0/4`);
  }
  return { index, count };
}

/** The count for schedulers that give only an index (Kubernetes, AWS Batch). */
export const SHARD_COUNT_ENV = "SWEEP_SHARD_COUNT";

/** A whole number (digits only, surrounding blanks allowed), or undefined when `text` is not one. */
export function parseWholeNumber(text: string): number | undefined {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
}

function int(env: Record<string, string | undefined>, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = parseWholeNumber(v);
  if (n === undefined) throw new ShardError(`${name}=${v} is not a whole number`);
  return n;
}

/**
 * The shard of an array-job task, from the environment: Slurm
 * (SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT), a Kubernetes Indexed Job
 * (JOB_COMPLETION_INDEX) or AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX), the last two
 * with SWEEP_SHARD_COUNT. Undefined when none is set.
 */
export function shardFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Shard | undefined {
  const check = (index: number, count: number | undefined, source: string): Shard => {
    if (count === undefined) {
      throw new ShardError(
        `${source} is set but not the number of tasks: set ${SHARD_COUNT_ENV} (or pass --shard i/n)`,
      );
    }
    if (count < 1 || index >= count) {
      throw new ShardError(`${source}: task ${index} of ${count} is out of range`);
    }
    return { index, count };
  };
  const slurm = int(env, "SLURM_ARRAY_TASK_ID");
  if (slurm !== undefined) {
    const min = int(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
    const step = int(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
    const count = int(env, "SLURM_ARRAY_TASK_COUNT") ?? int(env, SHARD_COUNT_ENV);
    return check((slurm - min) / step, count, "SLURM_ARRAY_TASK_ID");
  }
  const k8s = int(env, "JOB_COMPLETION_INDEX");
  if (k8s !== undefined) return check(k8s, int(env, SHARD_COUNT_ENV), "JOB_COMPLETION_INDEX");
  const aws = int(env, "AWS_BATCH_JOB_ARRAY_INDEX");
  if (aws !== undefined) {
    return check(aws, int(env, SHARD_COUNT_ENV), "AWS_BATCH_JOB_ARRAY_INDEX");
  }
  return undefined;
}

/** The sweep id every shard of a plan shares (it depends only on the plan). */
export function shardSweepId(plan: SweepPlan): string {
  return `sh-${plan.planHash.slice(0, 12)}`;
}

/** Points of a shard: every count-th, starting at index. */
export function shardPoints<T extends { index: number }>(points: T[], shard: Shard): T[] {
  return points.filter((p) => p.index % shard.count === shard.index);
}

export interface ShardOptions {
  shard: Shard;
  /** Shared directory for the Parquet files and manifests. */
  outDir: string;
  workers?: number;
  engine?: string | URL;
  /** Run points again even if their file exists. */
  force?: boolean;
  progress?: ProgressOption;
  /** Seconds between plain progress lines (default 5). */
  progressIntervalSec?: number;
  /** Longest wait of a finished point before its file is written, ms (default 500). */
  commitMs?: number;
  signal?: AbortSignal;
  written?: unknown;
}

export interface ShardResult extends SweepCounts {
  shard: Shard;
  outDir: string;
}

/** Runs one shard of a sweep into `outDir` (no store is touched). */
export async function runShard(
  spec: SweepSpec | SweepPlan,
  options: ShardOptions,
): Promise<ShardResult> {
  const engine = resolveEngine(options.engine ?? DEFAULT_ENGINE);
  const plan = await planFor(spec, engine, options.written);
  const { shard, outDir } = options;
  const label = `${shard.index}/${shard.count}`;
  const sink = await resultsDirSink(outDir, manifestName(shard));
  try {
    const workers = workerCount(options.workers);
    const run = await runSweep(plan, sink, {
      points: shardPoints(plan.points, shard),
      sweepId: shardSweepId(plan),
      force: options.force,
      workers,
      shard: label,
      signal: options.signal,
      execute: onWorkers({
        engine,
        workers,
        progress: options.progress,
        label: `shard ${label}`,
        progressIntervalSec: options.progressIntervalSec,
        commitMs: options.commitMs,
      }),
    });
    const { sweepId, points, ran, reused, failed, failures, interrupted } = run;
    return { sweepId, shard, outDir, points, ran, reused, failed, failures, interrupted };
  } finally {
    sink.close();
  }
}
