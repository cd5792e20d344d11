// The one sweep skeleton (`runSweep`): leave out the points the sink already
// holds (same run key, done), write the sweep's row (provenance) and points,
// run the rest, write the row again as it ended. Where results go is a sink
// (the store, a directory of run files); how points run is an executor (this
// machine's workers, an array job on Slurm). Hydra's sweeper/launcher split.

import { engineVersion } from "./engine.ts";
import { provenance } from "./provenance.ts";
import { type PlannedPoint, planSweep, type SweepPlan, type SweepSpec } from "./spec.ts";
import type { RunRecord, SweepRow } from "../store/mod.ts";

/** A point that threw (or, on a cluster, never wrote a result). */
export interface PointFailure {
  point: number;
  runKey: string;
  axes: Record<string, unknown>;
  error: string;
}

/** Where a sweep's results go: the store, or a directory of run files. */
export interface SweepSink {
  /** Run keys of `points` the sink holds done: they are not run again (unless forced). */
  held(points: readonly PlannedPoint[]): Promise<Set<string>>;
  /** The sweep starts: its row (provenance, nothing run yet) and the points it covers. */
  begin(row: SweepRow, points: readonly PlannedPoint[]): Promise<void>;
  /** A batch of finished points, each point's rows whole; a throw stops the sweep. */
  write(records: RunRecord[]): Promise<void>;
  /** The sweep's row once more, as it ended (done, interrupted, partial or failed). */
  end(row: SweepRow): Promise<void>;
}

/** What an executor is given: the points to run and where each result goes. */
export interface ExecuteContext {
  plan: SweepPlan;
  /** The points this sweep covers (all of the plan's, or a shard's). */
  points: readonly PlannedPoint[];
  /** The points to run: those the sink did not hold. */
  todo: PlannedPoint[];
  /** Points the sink held, not run again. */
  reused: number;
  sweepId: string;
  /** The sweep's row as it was begun. */
  row: SweepRow;
  signal?: AbortSignal;
  /** Hands finished points to the sink (counted as run). */
  write(records: RunRecord[]): Promise<void>;
}

/** What an executor reports when its points have run (or it was stopped). */
export interface Executed {
  /** Points run; default: the records written through `write`. */
  ran?: number;
  failures: PointFailure[];
  interrupted: boolean;
  /** The row's status when neither interrupted nor "done" (e.g. "partial"). */
  status?: string;
  /** More fields of the final row (e.g. the hosts that ran the points). */
  row?: Partial<SweepRow>;
}

/** Runs the points of a sweep; see ExecuteContext. */
export type Execute<R extends Executed = Executed> = (ctx: ExecuteContext) => Promise<R>;

export interface RunSweepOptions<R extends Executed> {
  execute: Execute<R>;
  /** The sweep's id (default: a new one, newSweepId()). */
  sweepId?: string;
  /** The points this sweep covers (default: all of the plan's). */
  points?: readonly PlannedPoint[];
  /** Run every point, even those the sink holds. */
  force?: boolean;
  /** Workers, as recorded in the row. */
  workers?: number | null;
  /** The shard, as recorded in the row ("i/n"). */
  shard?: string | null;
  signal?: AbortSignal;
}

/** What a sweep did with its points, however it ran. */
export interface SweepCounts {
  sweepId: string;
  /** The points covered. */
  points: number;
  /** Points run (written, or as the executor counted them). */
  ran: number;
  /** Points the sink held, not run again. */
  reused: number;
  failed: number;
  failures: PointFailure[];
  interrupted: boolean;
}

/** What runSweep did. */
export interface SweepRun<R extends Executed> extends SweepCounts {
  todo: PlannedPoint[];
  /** The final row, as written to the sink. */
  row: SweepRow;
  outcome: R;
}

/**
 * The sweep skeleton: skip held points, begin the row, execute the rest
 * through the sink, end the row. If the executor throws, the row is ended as
 * failed (with what was written) and the error rethrown.
 */
export async function runSweep<R extends Executed>(
  plan: SweepPlan,
  sink: SweepSink,
  options: RunSweepOptions<R>,
): Promise<SweepRun<R>> {
  const points = options.points ?? plan.points;
  const held = options.force ? new Set<string>() : await sink.held(points);
  const todo = points.filter((p) => !held.has(p.runKey));
  const reused = points.length - todo.length;
  const sweepId = options.sweepId ?? newSweepId();
  const row = await startRow(plan, {
    id: sweepId,
    reused,
    workers: options.workers ?? null,
    shard: options.shard ?? null,
  });
  await sink.begin(row, points);
  let written = 0;
  let writtenFailed = 0;
  const write = async (records: RunRecord[]) => {
    await sink.write(records);
    written += records.length;
    writtenFailed += records.filter((r) => r.status === "failed").length;
  };
  let outcome: R;
  try {
    outcome = await options.execute({
      plan,
      points,
      todo,
      reused,
      sweepId,
      row,
      signal: options.signal,
      write,
    });
  } catch (e) {
    await sink.end({
      ...row,
      status: "failed",
      ended_at: new Date().toISOString(),
      ran: written,
      failed: writtenFailed,
    }).catch(() => {});
    throw e;
  }
  const ran = outcome.ran ?? written;
  const final: SweepRow = {
    ...row,
    status: outcome.interrupted ? "interrupted" : outcome.status ?? "done",
    ended_at: new Date().toISOString(),
    ran,
    failed: outcome.failures.length,
    ...outcome.row,
  };
  await sink.end(final);
  return {
    sweepId,
    points: points.length,
    ran,
    reused,
    failed: outcome.failures.length,
    failures: outcome.failures,
    interrupted: outcome.interrupted,
    todo,
    row: final,
    outcome,
  };
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
  o: { id: string; reused: number; workers: number | null; shard: string | null },
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

/** The points as sweep_points holds them. */
export function sweepPoints(points: readonly PlannedPoint[]) {
  return points.map((p) => ({ point: p.index, runKey: p.runKey, axes: p.axes }));
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
