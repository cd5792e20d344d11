// The executor of a sweep on this machine (`onWorkers`): the points run on a
// pool of workers and their results go to the sink in group commits. Results
// wait at most half a second (or until 512 of them) and go in together, one
// batch at a time, each point's rows whole; a kill loses at most that window
// of computed points, which the next run computes again.

import type { RunRecord } from "../store/mod.ts";
import { type Pool, startPool } from "./pool.ts";
import { type Progress, type ProgressOption, startProgress } from "./progress.ts";
import type { Execute, Executed, PointFailure } from "./runner.ts";
import type { PlannedPoint } from "./spec.ts";

export interface RunPointsOptions {
  /** URL of the engine module (see resolveEngine). */
  engine: string;
  engineVersion: string;
  workers: number;
  sweepId: string;
  signal?: AbortSignal;
  progress: Progress;
  /** Stores a batch of finished points; a throw stops the run. */
  write: (records: RunRecord[]) => Promise<void>;
  /** Longest wait of a finished point before it is committed, ms (default 500). */
  commitMs?: number;
  /** Workers started ahead (startPool), used instead of starting `workers` now. */
  pool?: Pool;
}

const COMMIT_MS = 500;
/** Most points in one transaction. */
const MAX_BATCH = 512;

export interface RunPointsOutcome {
  ran: number;
  failures: PointFailure[];
  interrupted: boolean;
  /** Time spent in `write`, ms. */
  writeMs: number;
}

/** Runs points on workers and writes them in batches as they finish. */
export async function runPoints(
  points: PlannedPoint[],
  options: RunPointsOptions,
): Promise<RunPointsOutcome> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort);
  if (options.signal?.aborted) stop.abort();

  const byId = new Map(points.map((p) => [p.index, p]));
  const failures: PointFailure[] = [];
  const commitMs = options.commitMs ?? COMMIT_MS;
  let ran = 0;
  let writeMs = 0;
  let pending: RunRecord[] = [];
  let firstPendingAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | null = null;
  let writeError: unknown;
  let finishing = false;

  // Group commit: results wait up to commitMs (or until MAX_BATCH of them)
  // and go in as one transaction. A kill loses at most that window of
  // computed points, which the next run computes again.
  const writeBatch = async () => {
    const batch = pending;
    pending = [];
    const t0 = performance.now();
    try {
      await options.write(batch);
    } catch (e) {
      writeError = e;
      stop.abort();
      return;
    }
    writeMs += performance.now() - t0;
    for (const r of batch) {
      ran++;
      options.progress.tick(r.status === "failed");
    }
  };
  const schedule = () => {
    if (finishing || writing || timer || pending.length === 0 || writeError !== undefined) return;
    const wait = commitMs - (performance.now() - firstPendingAt);
    const start = () => {
      timer = undefined;
      writing = writeBatch().finally(() => {
        writing = null;
        schedule();
      });
    };
    if (wait <= 0 || pending.length >= MAX_BATCH) start();
    else timer = setTimeout(start, wait);
  };
  const push = (r: RunRecord) => {
    if (pending.length === 0) firstPendingAt = performance.now();
    pending.push(r);
    if (pending.length >= MAX_BATCH && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    schedule();
  };

  let poolError: unknown;
  const pool = options.pool ??
    startPool(options.engine, Math.max(1, Math.min(options.workers, points.length)));
  try {
    await pool.run(points.map((p) => ({ id: p.index, config: p.config })), {
      signal: stop.signal,
      onResult: (r) => {
        const p = byId.get(r.id)!;
        if (!r.ok) {
          failures.push({ point: p.index, runKey: p.runKey, axes: p.axes, error: r.error });
        }
        push({
          runKey: p.runKey,
          sweepId: options.sweepId,
          status: r.ok ? "ok" : "failed",
          error: r.ok ? null : r.error,
          wallMs: r.wallMs,
          engineVersion: options.engineVersion,
          config: p.config,
          summary: r.ok ? r.summary : undefined,
          rounds: r.ok ? r.rounds : undefined,
        });
      },
    });
  } catch (e) {
    poolError = e;
  } finally {
    pool.close();
    options.signal?.removeEventListener("abort", onAbort);
  }
  // Results already computed are written even when interrupted.
  finishing = true;
  clearTimeout(timer);
  while (writing) await writing;
  if (writeError === undefined && pending.length) await writeBatch();
  if (writeError !== undefined) throw writeError;
  if (poolError !== undefined) throw poolError;
  return { ran, failures, interrupted: options.signal?.aborted ?? false, writeMs };
}

export interface WorkersOptions {
  /** URL of the engine module (see resolveEngine). */
  engine: string;
  workers: number;
  progress?: ProgressOption;
  /** The progress label (default "sweep"). */
  label?: string;
  /** Seconds between plain progress lines (default 5). */
  progressIntervalSec?: number;
  /** Longest wait of a finished point before it is committed, ms (default 500). */
  commitMs?: number;
  /** Workers started ahead (startPool): their start-up overlaps the sweep's set-up. */
  pool?: Pool;
}

/** What a sweep on workers did, beyond Executed: the time spent writing the sink. */
export interface WorkersOutcome extends Executed {
  ran: number;
  /** Time spent writing the sink, ms. */
  writeMs: number;
}

/** The executor that runs a sweep's points on worker threads of this process. */
export function onWorkers(options: WorkersOptions): Execute<WorkersOutcome> {
  return async (ctx) => {
    const progress = startProgress(options.progress ?? "auto", {
      total: ctx.points.length,
      reused: ctx.reused,
      label: options.label,
      intervalSec: options.progressIntervalSec,
    });
    try {
      return await runPoints(ctx.todo, {
        engine: options.engine,
        engineVersion: ctx.plan.engineVersion,
        workers: options.workers,
        sweepId: ctx.sweepId,
        signal: ctx.signal,
        progress,
        commitMs: options.commitMs,
        pool: options.pool,
        write: ctx.write,
      });
    } finally {
      progress.stop();
    }
  };
}
