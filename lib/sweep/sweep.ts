// `sweep(spec)`: a sweep on this machine into the store, as notebooks and
// `deno task sweep` run it: the skeleton (runner.ts) with the store as sink
// and this process's workers as executor. Returns what happened and a handle
// to query the results. A point that throws is stored as failed and the
// sweep goes on; a store that fails (full disk) stops it, what was committed intact.

import { DEFAULT_STORE, query, type QueryTable } from "../store/mod.ts";
import { onWorkers } from "./commit.ts";
import { startPool } from "./pool.ts";
import { DEFAULT_ENGINE, resolveEngine } from "./engine.ts";
import type { ProgressOption } from "./progress.ts";
import { planFor, runSweep, type SweepCounts, workerCount } from "./runner.ts";
import type { SweepPlan, SweepSpec } from "./spec.ts";
import { storeSink } from "./store_sink.ts";

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

export interface SweepResult extends SweepCounts {
  store: string;
  wallMs: number;
  /** Time spent writing the store, ms. */
  writeMs: number;
  plan: SweepPlan;
  /** Runs SQL on the store (read-only), as an Arquero table. */
  query(sql: string): Promise<QueryTable>;
  /** This sweep's runs, one row per point, in point order. */
  runs(): Promise<QueryTable>;
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
  // The workers load the engine while this thread opens the store and
  // records the sweep (a sweep whose points are all stored ends them unused).
  const pool = plan.points.length > 0
    ? startPool(engine, Math.min(workers, plan.points.length))
    : undefined;
  const storePath = options.store ?? DEFAULT_STORE;
  let sink: Awaited<ReturnType<typeof storeSink>>;
  try {
    sink = await storeSink(storePath);
  } catch (e) {
    pool?.close();
    throw e;
  }
  try {
    const run = await runSweep(plan, sink, {
      force: options.force,
      workers,
      signal: options.signal,
      execute: onWorkers({
        engine,
        workers,
        progress: options.progress,
        progressIntervalSec: options.progressIntervalSec,
        commitMs: options.commitMs,
        pool,
      }),
    });
    const { sweepId, points, ran, reused, failed, failures, interrupted } = run;
    return {
      sweepId,
      store: storePath,
      points,
      ran,
      reused,
      failed,
      failures,
      interrupted,
      wallMs: performance.now() - t0,
      writeMs: run.outcome.writeMs,
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
    pool?.close();
    sink.close();
  }
}
