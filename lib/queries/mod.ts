// Named SQL over the results tables (runs, rounds, sweeps, sweep_points), the
// same strings wherever they run: `deno task query --named frontier` on the
// DuckDB store, a notebook's `query(NAMED_QUERIES.frontier.sql)`, and the
// site's explorer in duckdb-wasm. Pure strings: this module imports no DuckDB
// (only a type, erased), so the browser bundle includes it as it is.

import type { Summary } from "../migration/types.ts";

/** How a metric is summarised over the seeds of one configuration. */
export type MetricAggregate = "mean" | "all";

/** Every metric of a run, and its summary over seeds; the compiler keeps it complete. */
export const METRIC_AGGREGATES: Record<keyof Summary, MetricAggregate> = {
  iotlbMissRate: "mean",
  iotlbMissRateBaseline: "mean",
  bytesTransferred: "mean",
  dirtyBytesTransferred: "mean",
  rounds: "mean",
  converged: "all",
  downtimeMs: "mean",
  migrationMs: "mean",
  invalidations: "mean",
  domainFlushes: "mean",
  invalidationNs: "mean",
  splits: "mean",
  collapses: "mean",
  pageTableBytesPeak: "mean",
  walkMemoryAccesses: "mean",
  translations: "mean",
  iotlbMisses: "mean",
  lostWrites: "mean",
  dmaThroughput: "mean",
  dmaThroughputBaseline: "mean",
  dmaThroughputNoIommu: "mean",
  guestDmaSlowdown: "mean",
  dirtyReadNs: "mean",
};

/** Metric column names, in the store's order. */
export const METRICS = Object.keys(METRIC_AGGREGATES) as (keyof Summary)[];

/**
 * The config columns of the runs table, as a DuckDB COLUMNS() pattern: every
 * flattened config leaf but the seed (iommu_pageSize, tracking_split, ...). A
 * configuration is one value of these; its seeds are its runs.
 */
export const CONFIG_COLUMNS_PATTERN = "^(guest|iommu|tracking|workload|dma|migration)_";

/** True for a runs-table column that holds a config leaf (the seed included). */
export function isConfigColumn(name: string): boolean {
  return name === "seed" || new RegExp(CONFIG_COLUMNS_PATTERN).test(name);
}

const quote = (name: string) => `"${name}"`;

const summaries = METRICS.map((m) =>
  METRIC_AGGREGATES[m] === "all"
    ? `bool_and(${quote(m)}) AS ${quote(m)}`
    : `avg(${quote(m)}) AS ${quote(m)}`
).join(",\n    ");

/** The order every per-configuration query keeps: page size, split, clear batch, the rest. */
const CONFIG_ORDER = `iommu_pageSize,
  CASE tracking_split WHEN 'none' THEN 0 WHEN 'eager' THEN 1 WHEN 'lazy' THEN 2 ELSE 3 END,
  try_cast(tracking_clearBatch AS DOUBLE) NULLS LAST, tracking_clearBatch`;

/** Configurations of the ok runs, unordered (FRONTIER_SQL orders them). */
const CONFIGS = `SELECT
    COLUMNS('${CONFIG_COLUMNS_PATTERN}'),
    count(*) AS runs,
    count(*) FILTER (WHERE converged) AS converged_runs,
    string_agg(run_key, ',' ORDER BY seed, run_key) AS run_keys,
    ${summaries}
  FROM runs
  WHERE status = 'ok'
  GROUP BY ALL`;

/**
 * One row per configuration of the ok runs: its config columns, how many runs
 * (seeds) it has and their keys, the mean of every metric and whether all
 * converged. The headline figure plots bytesTransferred against iotlbMissRate.
 */
export const FRONTIER_SQL = `SELECT * FROM (
  ${CONFIGS}
)
ORDER BY ${CONFIG_ORDER}, run_keys`;

/**
 * The Pareto frontier per IO page size: the configurations no other of the
 * same page size beats on both migration data and miss rate (means of
 * seeds). The numbers the README quotes come from here.
 */
export const PARETO_SQL = `WITH configs AS (
  ${CONFIGS}
)
SELECT * FROM configs a
WHERE NOT EXISTS (
  SELECT 1 FROM configs b
  WHERE b.iommu_pageSize = a.iommu_pageSize
    AND b.bytesTransferred <= a.bytesTransferred AND b.iotlbMissRate <= a.iotlbMissRate
    AND (b.bytesTransferred < a.bytesTransferred OR b.iotlbMissRate < a.iotlbMissRate)
)
ORDER BY ${CONFIG_ORDER}, run_keys`;

/** One row per run: its key, seed, config columns, engine and every metric. */
export const RUNS_SQL = `SELECT
  run_key, seed, COLUMNS('${CONFIG_COLUMNS_PATTERN}'), engine_version,
  ${METRICS.map(quote).join(", ")}
FROM runs
WHERE status = 'ok'
ORDER BY ${CONFIG_ORDER}, seed, run_key`;

/** Per IO page size and split policy: runs, how many converged, data and miss-rate ranges. */
export const CONVERGENCE_SQL = `SELECT * FROM (
  SELECT
    iommu_pageSize, tracking_split,
    count(*) AS runs,
    count(*) FILTER (WHERE converged) AS converged_runs,
    min(bytesTransferred) AS min_bytes, max(bytesTransferred) AS max_bytes,
    min(iotlbMissRate) AS min_miss_rate, max(iotlbMissRate) AS max_miss_rate,
    avg(rounds) AS mean_rounds
  FROM runs
  WHERE status = 'ok'
  GROUP BY ALL
)
ORDER BY iommu_pageSize,
  CASE tracking_split WHEN 'none' THEN 0 WHEN 'eager' THEN 1 WHEN 'lazy' THEN 2 ELSE 3 END`;

/** Every pre-copy round of every run, with the run's page size and split policy. */
export const ROUNDS_SQL = `SELECT
  x.run_key, r.iommu_pageSize, r.tracking_split, r.tracking_clearBatch, r.seed, x.*
    EXCLUDE (run_key)
FROM rounds x JOIN runs r USING (run_key)
ORDER BY r.iommu_pageSize, r.tracking_split, r.tracking_clearBatch, r.seed, x.round`;

/** The sweeps, newest first, with their provenance. */
export const SWEEPS_SQL = `SELECT id, name, status, points, ran, reused, failed, started_at,
  git_commit, git_dirty, engine_version
FROM sweeps
ORDER BY started_at DESC`;

export interface NamedQuery {
  name: string;
  /** One line: what the rows are. */
  description: string;
  sql: string;
}

const named = (name: string, description: string, sql: string): NamedQuery => ({
  name,
  description,
  sql,
});

/** The named queries, by name; the first is the explorer's default. */
export const NAMED_QUERIES: Record<string, NamedQuery> = {
  frontier: named(
    "frontier",
    "one row per configuration: mean of every metric over its seeds (the headline figure)",
    FRONTIER_SQL,
  ),
  pareto: named(
    "pareto",
    "the Pareto frontier per IO page size (least data and lowest miss rate)",
    PARETO_SQL,
  ),
  runs: named("runs", "one row per run: run key, seed, config and every metric", RUNS_SQL),
  convergence: named(
    "convergence",
    "per page size and split policy: runs converged, data and miss-rate ranges",
    CONVERGENCE_SQL,
  ),
  rounds: named("rounds", "every pre-copy round of every run", ROUNDS_SQL),
  sweeps: named("sweeps", "the sweeps with their provenance", SWEEPS_SQL),
};

/** A named query, or an error message listing the known names. */
export function namedQuery(name: string): NamedQuery {
  const q = NAMED_QUERIES[name];
  if (!q) {
    throw new Error(
      `no query named "${name}" (known: ${Object.keys(NAMED_QUERIES).join(", ")})`,
    );
  }
  return q;
}
