// Runs a sweep: expand and validate the spec, skip points the store already
// holds (same run key, status ok), run the rest on workers, and write the
// results as they arrive. Only this process writes the store; results wait at
// most half a second and go in together, one transaction per batch, each
// point's rows whole. A point that throws is stored as failed and the sweep
// goes on; a store that fails (full disk) stops the sweep with what was
// committed intact.

import { DEFAULT_ENGINE, engineVersion, resolveEngine } from "./engine.ts";
import { runPool } from "./pool.ts";
import { type Progress, type ProgressOption, startProgress } from "./progress.ts";
import { provenance } from "./provenance.ts";
import { type PlannedPoint, planSweep, type SweepPlan, type SweepSpec } from "./spec.ts";
import { DEFAULT_STORE, type RunRecord, Store, type SweepRow } from "./store.ts";
import { query, type QueryTable } from "./query.ts";

/** A point that threw. */
export interface PointFailure {
  point: number;
  runKey: string;
  axes: Record<string, unknown>;
  error: string;
}

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
  try {
    await runPool(points.map((p) => ({ id: p.index, config: p.config })), {
      engine: options.engine,
      workers: options.workers,
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

export interface SweepOptions {
  /** Store file (default data/results.duckdb). */
  store?: string;
  /** Workers (default one per core). */
  workers?: number;
  /** Run points again even if stored. */
  force?: boolean;
  /** Engine module (default lib/migration/mod.ts); a path or URL. */
  engine?: string | URL;
  progress?: ProgressOption;
  /** Seconds between plain progress lines (default 5). */
  progressIntervalSec?: number;
  /** Longest wait of a finished point before it is committed, ms (default 500). */
  commitMs?: number;
  signal?: AbortSignal;
  /** The spec as written, stored with the sweep (e.g. the command line). */
  written?: unknown;
}

export interface SweepResult {
  sweepId: string;
  store: string;
  points: number;
  ran: number;
  reused: number;
  failed: number;
  failures: PointFailure[];
  interrupted: boolean;
  wallMs: number;
  /** Time spent writing the store, ms. */
  writeMs: number;
  plan: SweepPlan;
  /** Runs SQL on the store (read-only), as an Arquero table. */
  query(sql: string): Promise<QueryTable>;
  /** This sweep's runs, one row per point, in point order. */
  runs(): Promise<QueryTable>;
}

/** Workers to run: `workers` if given (a whole number >= 1, else a RangeError), else one per core. */
export function workerCount(workers?: number): number {
  if (workers === undefined) return Math.max(1, navigator.hardwareConcurrency ?? 1);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers: ${workers} is not a whole number >= 1`);
  }
  return workers;
}

export function isPlan(x: SweepSpec | SweepPlan): x is SweepPlan {
  return typeof x === "object" && x !== null && "planHash" in x && "points" in x;
}

/** A sortable, readable sweep id: UTC time and 4 random hex digits. */
export function newSweepId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const r = crypto.getRandomValues(new Uint8Array(2));
  return `${t}-${[...r].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The expanded spec as stored with a sweep (the points themselves go to sweep_points). */
function expandedJson(plan: SweepPlan): string {
  return JSON.stringify({
    base: plan.base,
    dimensions: plan.dimensions,
    points: plan.points.length,
    duplicates: plan.duplicates,
    engineVersion: plan.engineVersion,
    planHash: plan.planHash,
  });
}

/** A sweep's row as it starts: provenance of this process, nothing run yet. */
export async function startRow(
  plan: SweepPlan,
  o: { id: string; reused: number; workers: number; shard: string | null },
): Promise<SweepRow> {
  const prov = await provenance();
  return {
    id: o.id,
    name: plan.name,
    status: "running",
    git_commit: prov.gitCommit,
    git_dirty: prov.gitDirty,
    engine_version: plan.engineVersion,
    deno_version: prov.denoVersion,
    host: prov.host,
    started_at: new Date().toISOString(),
    ended_at: null,
    spec_json: JSON.stringify(plan.written),
    expanded_json: expandedJson(plan),
    plan_hash: plan.planHash,
    points: plan.points.length,
    ran: 0,
    reused: o.reused,
    failed: 0,
    workers: o.workers,
    shard: o.shard,
  };
}

/** Plans a spec against an engine (or checks a plan was made for it). */
export async function planFor(
  spec: SweepSpec | SweepPlan,
  engine: string,
  written?: unknown,
): Promise<SweepPlan> {
  const version = await engineVersion(engine);
  if (!isPlan(spec)) return await planSweep(spec, { engineVersion: version, written });
  if (spec.engineVersion !== version) {
    throw new Error(
      `the plan was made for engine version ${spec.engineVersion}, the engine is ${version}`,
    );
  }
  return spec;
}

/**
 * Runs a sweep into the store and returns what happened with a handle to
 * query the results. Throws SweepSpecError (bad spec, before anything runs),
 * RangeError (workers < 1), StoreError (store unusable or failing) or EngineError.
 */
export async function sweep(
  spec: SweepSpec | SweepPlan,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const t0 = performance.now();
  const engine = resolveEngine(options.engine ?? DEFAULT_ENGINE);
  const plan = await planFor(spec, engine, options.written);
  const workers = workerCount(options.workers);
  const storePath = options.store ?? DEFAULT_STORE;
  const store = await Store.open(storePath);
  try {
    const stored = options.force ? new Set<string>() : await store.okKeys();
    const todo = plan.points.filter((p) => !stored.has(p.runKey));
    const reused = plan.points.length - todo.length;
    const sweepId = newSweepId();
    const row = await startRow(plan, { id: sweepId, reused, workers, shard: null });
    await store.putSweep(row);
    await store.putSweepPoints(
      sweepId,
      plan.points.map((p) => ({ point: p.index, runKey: p.runKey, axes: p.axes })),
    );
    const progress = startProgress(options.progress ?? "auto", {
      total: plan.points.length,
      reused,
      intervalSec: options.progressIntervalSec,
    });
    let outcome: RunPointsOutcome;
    try {
      outcome = await runPoints(todo, {
        engine,
        engineVersion: plan.engineVersion,
        workers,
        sweepId,
        signal: options.signal,
        progress,
        commitMs: options.commitMs,
        write: (records) => store.writeRuns(records),
      });
    } catch (e) {
      progress.stop();
      const p = progress.info();
      await store.putSweep({
        ...row,
        status: "failed",
        ended_at: new Date().toISOString(),
        ran: p.done - p.reused,
        failed: p.failed,
      }).catch(() => {});
      throw e;
    }
    progress.stop();
    await store.putSweep({
      ...row,
      status: outcome.interrupted ? "interrupted" : "done",
      ended_at: new Date().toISOString(),
      ran: outcome.ran,
      failed: outcome.failures.length,
    });
    return {
      sweepId,
      store: storePath,
      points: plan.points.length,
      ran: outcome.ran,
      reused,
      failed: outcome.failures.length,
      failures: outcome.failures,
      interrupted: outcome.interrupted,
      wallMs: performance.now() - t0,
      writeMs: outcome.writeMs,
      plan,
      query: (sql: string) => query(sql, { store: storePath }),
      runs: () =>
        query(
          `SELECT r.* FROM sweep_points p JOIN runs r USING (run_key) ` +
            `WHERE p.sweep_id = '${sweepId}' ORDER BY p.point`,
          { store: storePath },
        ),
    };
  } finally {
    store.close();
  }
}
