// A sweep on a Slurm cluster in one call (`deno task sweep … --on slurm`):
// the sweep skeleton with the store as sink and an array job as executor.
// Emit the `--emit slurm` script for the points not yet stored, submit it,
// watch results land and squeue, merge them into the store. Array task i runs
// point i, so a rerun after failed or cancelled tasks submits only those.

import {
  arraySpec,
  type ArrayTask,
  cancel,
  type JobState,
  runSlurm,
  type SlurmClientOptions,
  submitArray,
  waitForJob,
} from "../cluster/mod.ts";
import { DEFAULT_STORE, type RunRecord, sqlLiteral, Store } from "../store/mod.ts";
import {
  DEFAULT_ENGINE,
  type DisplayOption,
  type ExecuteContext,
  type Executed,
  formatEta,
  planFor,
  type PlannedPoint,
  type PointFailure,
  resolveEngine,
  runSweep,
  startDisplay,
  storeSink,
  type SweepPlan,
  type SweepSpec,
} from "../sweep/mod.ts";
import { emitJob } from "./emit.ts";
import { anyPointFile, mergeShards } from "./merge.ts";
import { fileNames, pointFileName, readManifests } from "./results_dir.ts";
import { shardSweepId } from "./shard.ts";

/** Something about the submission is wrong before or after Slurm ran (e.g. an unwritable results directory). */
export class SlurmRunError extends Error {
  override name = "SlurmRunError";
}

/** Progress of a sweep on Slurm: points whose results landed and the array's tasks. */
export interface SlurmProgress {
  jobId: string;
  /** Points with a result (stored before, or landed in the results directory now). */
  done: number;
  total: number;
  /** Points that were already stored and not submitted. */
  reused: number;
  failed: number;
  /** Array tasks by Slurm state (PENDING, RUNNING, COMPLETED, …), from squeue. */
  tasks: Record<string, number>;
  elapsedMs: number;
  /** Estimated seconds left, or null before the first point lands. */
  etaSec: number | null;
}

export type SlurmProgressOption = DisplayOption<SlurmProgress>;

export interface SlurmRunOptions extends SlurmClientOptions {
  /** Store file (default data/results.duckdb). */
  store?: string;
  /** Results directory shared with the compute nodes (default data/shards/<sweep id>). */
  outDir?: string;
  /** Directory the tasks run from (default: this process's working directory, the submit directory). */
  workdir?: string;
  /** Engine module (default lib/migration/mod.ts); a path or URL the nodes can read. */
  engine?: string | URL;
  /** Array tasks: default one per point (capped by the cluster's MaxArraySize). */
  tasks?: number;
  /** At most this many tasks run at once (`--array=…%K`). */
  arrayLimit?: number;
  partition?: string;
  /** Time limit per task, in any Slurm form (`30:00`, `2-00:00`). */
  time?: string;
  /** CPUs (and sweep workers) per task (default 1). */
  cpusPerTask?: number;
  /** Deno binary for the tasks (exported as DENO); default: $DENO if set, else `npx -y deno@2.9.6`. */
  deno?: string;
  /** Extra environment for the tasks. */
  env?: Record<string, string>;
  progress?: SlurmProgressOption;
  /** Seconds between plain progress lines (default 5). */
  progressIntervalSec?: number;
  /** Aborting cancels the job (scancel), waits briefly for it to end and merges what landed. */
  signal?: AbortSignal;
  /** The spec as written, stored with the sweep. */
  written?: unknown;
  /** Called once the job is submitted. */
  onSubmit?: (s: { jobId: string; taskIds: number[]; points: number[]; jobPath: string }) => void;
}

export interface SlurmRunResult {
  sweepId: string;
  store: string;
  outDir: string;
  /** The sbatch script written (the `--emit slurm` one), or null when nothing was submitted. */
  jobPath: string | null;
  /** Slurm job id, or null when every point was already stored. */
  jobId: string | null;
  /** Array task ids submitted. */
  taskIds: number[];
  /** Indexes of the points submitted (the ones not ok in the store). */
  submitted: number[];
  points: number;
  /** Points already stored ok, not submitted. */
  reused: number;
  /** Submitted points now stored ok. */
  ok: number;
  /** Submitted points now stored as failed (each with its error in `failures`). */
  failed: number;
  failures: PointFailure[];
  /** Submitted points without a result (cancelled before they ran); a rerun submits them. */
  missing: number;
  interrupted: boolean;
  /** The array's final state (COMPLETED, FAILED, CANCELLED, …), or null when nothing was submitted. */
  jobState: JobState["state"] | null;
  /** Counts of what the merge did. */
  merged: { added: number; replaced: number; skipped: number };
  wallMs: number;
}

/** Slurm's MaxArraySize (array task ids must be below it); 1001 when it cannot be read. */
export async function maxArraySize(opts: SlurmClientOptions = {}): Promise<number> {
  try {
    const out = await runSlurm("scontrol", ["show", "config"], opts);
    const m = /^\s*MaxArraySize\s*=\s*(\d+)/m.exec(out.stdout);
    if (out.code === 0 && m) return Number(m[1]);
  } catch { /* default below */ }
  return 1001;
}

/** Makes `dir` (and dir/logs) and proves it writable; a SlurmRunError says why not. */
export async function checkWritable(dir: string): Promise<void> {
  const probe = `${dir}/.write-test-${crypto.randomUUID()}`;
  try {
    await Deno.mkdir(`${dir}/logs`, { recursive: true });
    await Deno.writeTextFile(probe, "ok\n");
    await Deno.remove(probe);
  } catch (e) {
    throw new SlurmRunError(
      `the results directory ${dir} is not writable (${(e as Error).message}). ` +
        `The array tasks write their results there: give a directory on a filesystem ` +
        `the compute nodes share (home, NFS, Lustre) with --out DIR.`,
    );
  }
}

function absolute(path: string, base: string): string {
  const p = path.startsWith("/") ? path : `${base.replace(/\/+$/, "")}/${path}`;
  return p.replace(/\/+$/, "").replace(/\/\.\//g, "/");
}

function lastLines(path: string, n: number): string {
  try {
    const lines = Deno.readTextFileSync(path).trimEnd().split("\n");
    return lines.slice(-n).join("\n");
  } catch {
    return "";
  }
}

function tasksText(counts: Record<string, number>): string {
  const order = ["PENDING", "RUNNING", "COMPLETING", "COMPLETED", "FAILED", "CANCELLED"];
  const keys = Object.keys(counts).sort((a, b) =>
    (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99)
  );
  return keys.map((k) => `${counts[k]} ${k.toLowerCase()}`).join(", ") || "submitted";
}

/** One plain progress line. */
export function slurmProgressLine(p: SlurmProgress): string {
  return `slurm job ${p.jobId}: ${p.done}/${p.total} points` +
    (p.reused ? ` (${p.reused} stored before)` : "") +
    (p.failed ? `, ${p.failed} failed` : "") +
    ` | tasks: ${tasksText(p.tasks)} | ETA ${formatEta(p.etaSec)}`;
}

/** Status and error of each of `keys` in the store. */
async function storedStatus(
  storePath: string,
  keys: string[],
): Promise<Map<string, { status: string; error: string | null }>> {
  const m = new Map<string, { status: string; error: string | null }>();
  if (keys.length === 0) return m;
  const store = await Store.open(storePath);
  try {
    const r = await store.read(
      `SELECT run_key, status, error FROM runs WHERE run_key IN (${
        keys.map(sqlLiteral).join(", ")
      })`,
    );
    for (const row of r.rows) {
      m.set(row.run_key as string, {
        status: row.status as string,
        error: (row.error as string | null) ?? null,
      });
    }
  } finally {
    store.close();
  }
  return m;
}

/** Hosts the array tasks of sweep `sweepId` ran on, from their shard manifests in `dir`. */
async function taskHosts(dir: string, sweepId: string): Promise<string[]> {
  const hosts = new Set<string>();
  // A half-written or foreign manifest is not a source of hosts.
  const manifests = await readManifests(dir, fileNames(dir)).catch(() => []);
  for (const m of manifests) if (m.sweep?.id === sweepId && m.sweep.host) hosts.add(m.sweep.host);
  return [...hosts].sort();
}

/** What the Slurm executor did, beyond Executed. */
interface SlurmOutcome extends Executed {
  ran: number;
  jobPath: string | null;
  jobId: string | null;
  taskIds: number[];
  submitted: number[];
  ok: number;
  missing: number;
  jobState: JobState["state"] | null;
}

interface SlurmSetup {
  options: SlurmRunOptions;
  engine: string;
  storePath: string;
  outDir: string;
  workdir: string;
  client: SlurmClientOptions;
  /** Merges the results directory into the store (this sweep's row left to the skeleton). */
  merge: () => Promise<void>;
}

/**
 * The executor of a sweep on Slurm: the points still to run become an array
 * job (the `--emit slurm` script), submitted, watched (results landing in
 * the directory, tasks in squeue) and merged into the store when it ends.
 * Points whose task ended without a result are stored as failed.
 *
 * Array task ids are point indexes: the script runs task i as shard `i/n` with
 * n = the number of points, so task i runs exactly point i, and the job is
 * submitted with `--array=` the indexes of the points still missing (not ok in
 * the store). With fewer tasks than points (`tasks`, or a cluster whose
 * MaxArraySize is below the number of points) task i runs every n-th point
 * from i, and the tasks holding a missing point are submitted (a point already
 * written to the results directory is not run again).
 */
async function onSlurm(ctx: ExecuteContext, setup: SlurmSetup): Promise<SlurmOutcome> {
  const { options, outDir, client, plan } = { ...setup, plan: ctx.plan };
  const { todo, reused, sweepId } = ctx;
  const none: SlurmOutcome = {
    ran: 0,
    failures: [],
    interrupted: false,
    jobPath: null,
    jobId: null,
    taskIds: [],
    submitted: [],
    ok: 0,
    missing: 0,
    jobState: null,
  };
  if (todo.length === 0) return none;

  const limit = await maxArraySize(client);
  const tasks = options.tasks ?? Math.min(plan.points.length, limit);
  if (tasks > limit) {
    throw new SlurmRunError(
      `${tasks} array tasks: this cluster's MaxArraySize is ${limit} (ids 0-${limit - 1})`,
    );
  }
  const taskOf = (p: PlannedPoint) => p.index % tasks;
  const taskIds = [...new Set(todo.map(taskOf))].sort((a, b) => a - b);
  // A failed point's old file would look like a fresh result: it is in the
  // store already, and the rerun writes a new one.
  const present = fileNames(outDir);
  for (const p of todo) {
    const f = pointFileName(p.runKey, "failed");
    if (present.has(f)) await Deno.remove(`${outDir}/${f}`).catch(() => {});
  }

  const array = arraySpec({ arrayIndices: taskIds, arrayLimit: options.arrayLimit });
  const emitted = await emitJob(plan, "slurm", {
    outDir,
    shards: tasks,
    workers: options.cpusPerTask ?? 1,
    engine: options.engine === undefined ? undefined : setup.engine,
    array,
  });
  const env: Record<string, string> = { ...options.env };
  if (options.deno) env.DENO = options.deno;
  const jobId = await submitArray({
    scriptFile: emitted.jobPath,
    arrayIndices: taskIds,
    arrayLimit: options.arrayLimit,
    partition: options.partition,
    time: options.time,
    cpusPerTask: options.cpusPerTask,
    workdir: setup.workdir,
    env,
    slurmConf: options.slurmConf,
  });
  options.onSubmit?.({
    jobId,
    taskIds,
    points: todo.map((p) => p.index),
    jobPath: emitted.jobPath,
  });

  // Progress: a point is done when its file lands (ok or failed).
  let counts: Record<string, number> = {};
  const tStart = performance.now();
  const progress = (): SlurmProgress => {
    const names = fileNames(outDir);
    let landed = 0;
    let failed = 0;
    for (const p of todo) {
      if (names.has(pointFileName(p.runKey))) landed++;
      else if (names.has(pointFileName(p.runKey, "failed"))) {
        landed++;
        failed++;
      }
    }
    const elapsedMs = performance.now() - tStart;
    const left = todo.length - landed;
    return {
      jobId,
      done: reused + landed,
      total: plan.points.length,
      reused,
      failed,
      tasks: counts,
      elapsedMs,
      etaSec: left === 0 ? 0 : landed > 0 ? left / (landed / (elapsedMs / 1000)) : null,
    };
  };
  const show = startDisplay(options.progress ?? "auto", {
    info: progress,
    line: slurmProgressLine,
    bar: {
      format: `slurm job {jobId} {bar} {value}/{total} points | tasks: {tasks} | ` +
        `ETA {etaText} | failed {failed}`,
      value: (p) => p.done,
      total: (p) => p.total,
      payload: (p) => ({
        jobId: p.jobId,
        tasks: tasksText(p.tasks),
        failed: p.failed,
        etaText: formatEta(p.etaSec),
      }),
    },
    intervalSec: options.progressIntervalSec,
  });

  let final: JobState | undefined;
  let interrupted = false;
  try {
    final = await waitForJob(jobId, {
      ...client,
      signal: ctx.signal,
      cancelOnAbort: true,
      onProgress: (s) => {
        counts = s.counts;
        show.update();
      },
    });
  } catch (e) {
    if (!ctx.signal?.aborted) {
      show.stop();
      throw e;
    }
    interrupted = true;
    // waitForJob has scancelled the job; let the tasks write what they
    // finished (they stop on SIGTERM after their current write), then merge.
    await cancel(jobId, client).catch(() => {});
    final = await waitForJob(jobId, {
      ...client,
      signal: AbortSignal.timeout(30_000),
      onProgress: (s) => {
        counts = s.counts;
      },
    }).catch(() => undefined);
  }
  show.stop();

  await setup.merge();
  const status = await storedStatus(setup.storePath, todo.map((p) => p.runKey));

  // Points whose task ended without writing a result: stored as failed with
  // what Slurm and the task's log say (unless the run was cancelled).
  const byTask = new Map<number, ArrayTask>((final?.tasks ?? []).map((t) => [t.taskId, t]));
  const lost = todo.filter((p) => !status.has(p.runKey));
  if (!interrupted && lost.length) {
    const records = lost.map((p): RunRecord => {
      const t = byTask.get(taskOf(p));
      const log = `${outDir}/logs/${jobId}_${taskOf(p)}.out`;
      const tail = lastLines(log, 5);
      const how = t
        ? `ended ${t.state}` + (t.exitCode !== null ? ` (exit ${t.exitCode}` : "") +
          (t.signal ? `, signal ${t.signal})` : t.exitCode !== null ? ")" : "")
        : "is no longer known to Slurm";
      const why = t?.state === "COMPLETED"
        ? ` but its result is not in ${outDir}: is that directory shared with the compute nodes?`
        : " without writing a result";
      return {
        runKey: p.runKey,
        sweepId,
        status: "failed",
        error: `array task ${taskOf(p)} of job ${jobId} ${how}${why}` +
          (tail ? `; ${log} ends:\n${tail}` : `; no log at ${log}`),
        wallMs: 0,
        engineVersion: plan.engineVersion,
        config: p.config,
      };
    });
    await ctx.write(records);
    for (const r of records) status.set(r.runKey, { status: "failed", error: r.error });
  }

  const failures: PointFailure[] = [];
  let ok = 0;
  let missing = 0;
  for (const p of todo) {
    const st = status.get(p.runKey);
    if (!st) missing++;
    else if (st.status === "ok") ok++;
    else {
      failures.push({
        point: p.index,
        runKey: p.runKey,
        axes: p.axes,
        error: st.error ?? "failed",
      });
    }
  }
  return {
    ran: ok + failures.length,
    failures,
    interrupted,
    status: missing ? "partial" : undefined,
    row: {
      host: (await taskHosts(outDir, sweepId)).join(",") || ctx.row.host,
      shard: `slurm job ${jobId}: ${taskIds.length}/${tasks} array tasks`,
    },
    jobPath: emitted.jobPath,
    jobId,
    taskIds,
    submitted: todo.map((p) => p.index),
    ok,
    missing,
    jobState: final?.state ?? null,
  };
}

/**
 * Runs a sweep on Slurm: submits the points not yet stored as an array job,
 * watches it, and merges the results into the store. Throws SweepSpecError
 * (bad spec), SlurmRunError (unwritable results directory), SlurmError
 * (sbatch refused, or Slurm's commands are missing) or StoreError.
 */
export async function runOnSlurm(
  spec: SweepSpec | SweepPlan,
  options: SlurmRunOptions = {},
): Promise<SlurmRunResult> {
  const t0 = performance.now();
  const engine = resolveEngine(options.engine ?? DEFAULT_ENGINE);
  const plan = await planFor(spec, engine, options.written);
  const sweepId = shardSweepId(plan);
  const workdir = absolute(options.workdir ?? Deno.cwd(), Deno.cwd());
  const outDir = absolute(options.outDir ?? `data/shards/${sweepId}`, workdir);
  const storePath = options.store ?? DEFAULT_STORE;
  if (options.tasks !== undefined && !(Number.isInteger(options.tasks) && options.tasks >= 1)) {
    throw new SlurmRunError(`array tasks ${options.tasks}: must be a whole number >= 1`);
  }
  await checkWritable(outDir);

  // The sweep's row and all its points (those reused from the store too) are
  // written by the skeleton, not taken from the shard manifests, which
  // describe only the tasks submitted now: merges leave this sweep's row alone.
  const merged = { added: 0, replaced: 0, skipped: 0 };
  const merge = async () => {
    if (!anyPointFile(outDir)) return;
    const r = await mergeShards(outDir, { store: storePath, keepSweeps: [sweepId] });
    merged.added += r.added;
    merged.replaced += r.replaced;
    merged.skipped += r.skipped;
  };
  // Results that landed before (a run stopped before its merge) go in first.
  await merge();
  const sink = await storeSink(storePath, { hold: false });
  const run = await runSweep(plan, sink, {
    sweepId,
    workers: options.cpusPerTask ?? 1,
    signal: options.signal,
    execute: (ctx) =>
      onSlurm(ctx, {
        options,
        engine,
        storePath,
        outDir,
        workdir,
        client: { slurmConf: options.slurmConf },
        merge,
      }),
  });
  const o = run.outcome;
  return {
    sweepId,
    store: storePath,
    outDir,
    jobPath: o.jobPath,
    jobId: o.jobId,
    taskIds: o.taskIds,
    submitted: o.submitted,
    points: run.points,
    reused: run.reused,
    ok: o.ok,
    failed: o.failures.length,
    failures: o.failures,
    missing: o.missing,
    interrupted: o.interrupted,
    jobState: o.jobState,
    merged,
    wallMs: performance.now() - t0,
  };
}
