// `deno task reproduce`: reruns every run behind a published figure from its
// stored effective config (runs.parquet's config_json) and compares every
// metric with the published value. With the engine version the runs were
// made with, the numbers must be identical (the engine is deterministic);
// with another engine, each metric must stay within its stated relative
// tolerance. The input is a published folder, a figure (its caption names
// the sweep) or a sweep id.

import { basename, dirname, join } from "node:path";
import type { RunConfig } from "../config/mod.ts";
import type { Summary } from "../migration/mod.ts";
import { METRICS } from "../queries/mod.ts";
import { readParquetRows } from "../store/mod.ts";
import {
  DEFAULT_ENGINE,
  DEFAULT_STORE,
  engineVersion,
  exportSweep,
  PUBLISHED_DIR,
  resolveEngine,
  resolveSweep,
  runPool,
  Store,
  StoreError,
} from "../sweep/mod.ts";
import { SITE_DIR } from "./build.ts";
import { sweepIdsIn } from "./notebook_page.ts";

/** Bad input (no such folder, figure or sweep): one line, exit code 2. */
export class ReproduceInputError extends Error {
  override name = "ReproduceInputError";
}

/**
 * Relative tolerance per metric when the engine differs from the published
 * one (0: must be equal). Rates and bytes are the figure's axes and move
 * little when the model is refined; counts of flush work may move more; the
 * outcome (converged, lost writes) must not change.
 */
export const TOLERANCES: Record<keyof Summary, number> = {
  iotlbMissRate: 0.05,
  iotlbMissRateBaseline: 0.05,
  bytesTransferred: 0.05,
  dirtyBytesTransferred: 0.1,
  rounds: 0,
  converged: 0,
  downtimeMs: 0.1,
  migrationMs: 0.1,
  invalidations: 0.1,
  domainFlushes: 0.1,
  invalidationNs: 0.1,
  splits: 0.1,
  collapses: 0.1,
  pageTableBytesPeak: 0.05,
  walkMemoryAccesses: 0.1,
  translations: 0.05,
  iotlbMisses: 0.05,
  lostWrites: 0,
  dmaThroughput: 0.05,
  dmaThroughputBaseline: 0.05,
  dmaThroughputNoIommu: 0.05,
  guestDmaSlowdown: 0.1,
  dirtyReadNs: 0.1,
};

export interface MetricDiff {
  runKey: string;
  metric: string;
  published: number | boolean | null;
  now: number | boolean | null;
  /** Relative change (now − published) / |published|; Infinity from 0. */
  change: number;
  /** Allowed relative change: 0 when the engine is the published one. */
  tolerance: number;
  ok: boolean;
}

export interface ReproduceReport {
  /** The folder whose runs.parquet was reproduced. */
  source: string;
  sweepId: string | null;
  /** The commit the sweep was made at (sweep.json's git_commit), when known. */
  commit: string | null;
  runs: number;
  /** Runs stored as failed: not reproduced. */
  skipped: number;
  engine: { published: string[]; now: string; same: boolean };
  /** Metric values compared. */
  compared: number;
  /**
   * Metrics the engine has now that the published runs lack (a publication
   * older than the metric): reported, not compared, as `deno task golden` does.
   */
  newMetrics: string[];
  /** Every metric that is not identical (within tolerance or not). */
  differences: MetricDiff[];
  mismatches: MetricDiff[];
  /** Runs whose simulation threw now. */
  errors: { runKey: string; error: string }[];
  ok: boolean;
  wallMs: number;
}

export interface ReproduceOptions {
  store?: string;
  workers?: number;
  /** Only these run keys. */
  runKeys?: string[];
  /** Only the first N runs (a quick check). */
  limit?: number;
  /** The engine module to rerun with (default lib/migration/mod.ts; a test double in tests). */
  engine?: string | URL;
  progress?: (done: number, total: number) => void;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** A folder holding runs.parquet for a sweep id: published, on the site, or exported from the store. */
async function folderForSweep(id: string, store: string): Promise<string> {
  for (const d of [join(PUBLISHED_DIR, id), join(SITE_DIR, "data", id)]) {
    if (await isFile(join(d, "runs.parquet"))) return d;
  }
  if (!(await isFile(store))) {
    throw new ReproduceInputError(
      `no published folder, site data or store holds sweep ${id} (looked in ${PUBLISHED_DIR}/, ` +
        `${SITE_DIR}/data/ and ${store})`,
    );
  }
  let found: string;
  try {
    const s = await Store.open(store, { readOnly: true });
    try {
      found = (await resolveSweep(s, id)).id;
    } finally {
      s.close();
    }
  } catch (e) {
    if (e instanceof StoreError) throw new ReproduceInputError(e.message);
    throw e;
  }
  const tmp = await Deno.makeTempDir({ prefix: "reproduce-" });
  return (await exportSweep(found, { store, outDir: tmp })).dir;
}

/** The folder to reproduce for a published folder, a figure, a runs.parquet or a sweep id. */
export async function resolveTarget(target: string, store = DEFAULT_STORE): Promise<string> {
  if (await isDir(target)) {
    if (!(await isFile(join(target, "runs.parquet")))) {
      throw new ReproduceInputError(`${target} holds no runs.parquet: not a published sweep`);
    }
    return target;
  }
  if (await isFile(target)) {
    if (basename(target) === "runs.parquet") return dirname(target);
    if (target.endsWith(".svg")) {
      const ids = sweepIdsIn(await Deno.readTextFile(target));
      if (ids.length === 0) {
        throw new ReproduceInputError(`${target}: its caption names no sweep id`);
      }
      if (ids.length > 1) {
        throw new ReproduceInputError(
          `${target}: its caption names several sweeps: ${ids.join(", ")}`,
        );
      }
      const beside = dirname(target);
      if (await isFile(join(beside, "sweep.json"))) {
        const json = JSON.parse(await Deno.readTextFile(join(beside, "sweep.json")));
        if (json.sweep?.id !== ids[0]) {
          throw new ReproduceInputError(
            `${target} names sweep ${ids[0]} but ${beside}/sweep.json is sweep ${json.sweep?.id}`,
          );
        }
        return beside;
      }
      return await folderForSweep(ids[0], store);
    }
    throw new ReproduceInputError(
      `${target} is neither a published folder, a figure (.svg), a runs.parquet nor a sweep id`,
    );
  }
  if (/[/\\]/.test(target) || /\.(svg|parquet|json)$/.test(target)) {
    throw new ReproduceInputError(`${target} does not exist`);
  }
  return await folderForSweep(target, store);
}

type Row = Record<string, unknown>;

async function readRuns(
  dir: string,
): Promise<
  { rows: Row[]; sweepId: string | null; commit: string | null; newMetrics: (keyof Summary)[] }
> {
  let rows: Row[];
  try {
    rows = await readParquetRows(join(dir, "runs.parquet"));
  } catch (e) {
    throw new ReproduceInputError(`${dir}/runs.parquet: ${(e as Error).message.split("\n")[0]}`);
  }
  let sweepId: string | null = null, commit: string | null = null;
  if (await isFile(join(dir, "sweep.json"))) {
    const sweep = JSON.parse(await Deno.readTextFile(join(dir, "sweep.json"))).sweep;
    sweepId = sweep?.id ?? null;
    commit = sweep?.git_commit ?? null;
  }
  const missing = ["run_key", "config_json"].filter((c) => rows.length && !(c in rows[0]));
  if (missing.length) {
    throw new ReproduceInputError(`${dir}/runs.parquet lacks columns: ${missing.join(", ")}`);
  }
  const newMetrics = METRICS.filter((m) => rows.length && !(m in rows[0]));
  if (newMetrics.length === METRICS.length) {
    throw new ReproduceInputError(`${dir}/runs.parquet holds none of the metric columns`);
  }
  return { rows, sweepId, commit, newMetrics };
}

/**
 * Simulates configs on the sweep's worker pool; results in input order (each
 * point is seeded by its config, so which worker ran it never changes it). A
 * worker that dies fails only the run it held (its error says so) and is
 * replaced.
 */
async function simulateAll(
  configs: RunConfig[],
  engine: string,
  workers: number,
  progress?: (done: number, total: number) => void,
): Promise<({ summary: Summary } | { error: string })[]> {
  const results: ({ summary: Summary } | { error: string })[] = new Array(configs.length);
  let done = 0;
  await runPool(configs.map((config, id) => ({ id, config })), {
    engine,
    workers,
    onResult: (r) => {
      results[r.id] = r.ok ? { summary: r.summary } : { error: r.error };
      progress?.(++done, configs.length);
    },
  });
  return results;
}

function metricValue(v: unknown): number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v;
  return Number(v);
}

/** Compares one metric; identical values are no difference. */
export function compareMetric(
  runKey: string,
  metric: keyof Summary,
  published: unknown,
  now: unknown,
  sameEngine: boolean,
): MetricDiff | null {
  const p = metricValue(published), n = metricValue(now);
  if (p === n || (typeof p === "number" && typeof n === "number" && Object.is(p, n))) return null;
  const tolerance = sameEngine ? 0 : TOLERANCES[metric];
  let change: number;
  if (typeof p === "number" && typeof n === "number") {
    change = p === 0 ? (n === 0 ? 0 : Infinity) : (n - p) / Math.abs(p);
  } else change = Infinity;
  return {
    runKey,
    metric,
    published: p,
    now: n,
    change,
    tolerance,
    ok: Math.abs(change) <= tolerance,
  };
}

/** Reruns every ok run of a published folder (or figure, or sweep id) and compares every metric. */
export async function reproduce(
  target: string,
  options: ReproduceOptions = {},
): Promise<ReproduceReport> {
  const t0 = performance.now();
  const dir = await resolveTarget(target, options.store ?? DEFAULT_STORE);
  const { rows: all, sweepId, commit, newMetrics } = await readRuns(dir);
  const metrics = METRICS.filter((m) => !newMetrics.includes(m));
  let rows = all.filter((r) => r.status === undefined || r.status === "ok");
  const skipped = all.length - rows.length;
  if (options.runKeys) {
    const want = new Set(options.runKeys);
    rows = rows.filter((r) => want.has(String(r.run_key)));
    const unknown = options.runKeys.filter((k) => !rows.some((r) => r.run_key === k));
    if (unknown.length) {
      throw new ReproduceInputError(`no run ${unknown.join(", ")} in ${dir}/runs.parquet`);
    }
  }
  if (options.limit !== undefined) rows = rows.slice(0, options.limit);
  if (rows.length === 0) throw new ReproduceInputError(`${dir}/runs.parquet holds no ok runs`);
  const engine = resolveEngine(options.engine ?? DEFAULT_ENGINE);
  const now = await engineVersion(engine);
  const published = [...new Set(rows.map((r) => String(r.engine_version)))].sort();
  const same = published.length === 1 && published[0] === now;
  const configs: RunConfig[] = rows.map((r) => JSON.parse(String(r.config_json)));
  const workers = options.workers ?? Math.max(1, navigator.hardwareConcurrency ?? 1);
  const results = await simulateAll(configs, engine, workers, options.progress);
  const differences: MetricDiff[] = [];
  const errors: ReproduceReport["errors"] = [];
  rows.forEach((row, i) => {
    const runKey = String(row.run_key);
    const r = results[i];
    if ("error" in r) {
      errors.push({ runKey, error: r.error });
      return;
    }
    const rowSame = String(row.engine_version) === now;
    for (const m of metrics) {
      const d = compareMetric(runKey, m, row[m], r.summary[m], rowSame);
      if (d) differences.push(d);
    }
  });
  const mismatches = differences.filter((d) => !d.ok);
  return {
    source: dir,
    sweepId,
    commit,
    runs: rows.length,
    skipped,
    engine: { published, now, same },
    compared: rows.length * metrics.length,
    newMetrics,
    differences,
    mismatches,
    errors,
    ok: mismatches.length === 0 && errors.length === 0,
    wallMs: performance.now() - t0,
  };
}

function num(v: number | boolean | null): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(8)));
}

function pct(change: number): string {
  if (!Number.isFinite(change)) return change > 0 ? "+inf" : "changed";
  return `${change >= 0 ? "+" : ""}${
    (change * 100).toFixed(change !== 0 && Math.abs(change) < 0.001 ? 4 : 2)
  }%`;
}

/** The report as text: the differences as a table, then a verdict. */
export function formatReport(r: ReproduceReport): string {
  const lines: string[] = [];
  const engine = r.engine.same
    ? `engine ${r.engine.now}, the one the runs were made with: every metric must be identical`
    : `engine now ${r.engine.now}, runs made with ${r.engine.published.join(", ")}: ` +
      `each metric must stay within its tolerance`;
  lines.push(
    `reproduce ${r.source}${r.sweepId ? ` (sweep ${r.sweepId})` : ""}: ${r.runs} runs; ${engine}`,
  );
  if (r.differences.length) {
    const head = ["run key", "metric", "published", "now", "change", "tolerance", ""];
    const cells = r.differences.map((d) => [
      d.runKey,
      d.metric,
      num(d.published),
      num(d.now),
      pct(d.change),
      d.tolerance ? `±${(d.tolerance * 100).toFixed(0)}%` : "0",
      d.ok ? "ok" : "MISMATCH",
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const right = [false, false, true, true, true, true, false];
    const line = (c: string[]) =>
      c.map((v, i) => (right[i] ? v.padStart(w[i]) : v.padEnd(w[i]))).join("  ").trimEnd();
    lines.push("", line(head), w.map((n) => "-".repeat(n)).join("  "), ...cells.map(line), "");
  }
  for (const e of r.errors) lines.push(`run ${e.runKey}: simulating it failed now: ${e.error}`);
  if (r.skipped) lines.push(`${r.skipped} runs stored as failed were not reproduced`);
  if (r.newMetrics.length) {
    lines.push(`new metrics, not in the published runs (not compared): ${r.newMetrics.join(", ")}`);
  }
  const secs = (r.wallMs / 1000).toFixed(1);
  if (r.ok) {
    lines.push(
      r.differences.length === 0
        ? `ok: all ${r.compared} metric values (${r.runs} runs × ${
          r.runs ? r.compared / r.runs : 0
        } metrics) identical (${secs} s)`
        : `ok: ${r.compared} metric values compared, ${r.differences.length} differ within tolerance (${secs} s)`,
    );
  } else {
    const names = [...new Set(r.mismatches.map((m) => `${m.runKey} ${m.metric}`))];
    lines.push(
      `MISMATCH: ${r.mismatches.length} of ${r.compared} metric values differ` +
        `${r.errors.length ? `, ${r.errors.length} runs failed` : ""}: ${
          names.slice(0, 8).join(", ")
        }${names.length > 8 ? ", …" : ""} (${secs} s)`,
    );
    if (!r.engine.same && r.commit) {
      const at = r.commit.slice(0, 7);
      lines.push(
        `the runs were made at commit ${at} with another engine: a value outside its tolerance ` +
          `can be a change to the model since, not an error; ` +
          `\`git log --oneline ${at}..HEAD -- lib/\` lists the engine's commits since`,
      );
    }
  }
  return lines.join("\n");
}
