// The sweep layer's public API: expand and validate a sweep spec, run it on
// workers into the DuckDB store (resumable, deduplicated by run key), query the
// store, move results in and out as Parquet, and run a sweep as shards of an
// array job on a cluster (emitted for the user to submit, or submitted, watched
// and merged in one call on Slurm).

export {
  type AxisValues,
  type Dimension,
  parseAxisText,
  type PlannedPoint,
  planSpec,
  planSweep,
  readSpecFile,
  specFromArgs,
  type SweepPlan,
  type SweepSpec,
  SweepSpecError,
} from "./spec.ts";
export {
  isPlan,
  planFor,
  type PointFailure,
  sweep,
  type SweepOptions,
  type SweepResult,
  workerCount,
} from "./runner.ts";
export { DEFAULT_ENGINE, EngineError, engineVersion, resolveEngine } from "./engine.ts";
export { formatEta, type ProgressInfo, progressLine, type ProgressOption } from "./progress.ts";
export { DEFAULT_STORE, type Rows, Store, StoreError, type StoreErrorKind } from "./store.ts";
export { formatTable, query, queryRows, type QueryTable, toCsv, toJson, toTable } from "./query.ts";
export {
  parseShard,
  parseWholeNumber,
  runShard,
  type Shard,
  SHARD_COUNT_ENV,
  ShardError,
  shardFromEnv,
  type ShardOptions,
  shardPoints,
  type ShardResult,
  shardSweepId,
} from "./shard.ts";
export {
  type ExportResult,
  exportSweep,
  importSweep,
  ingestDir,
  type IngestResult,
  mergeShards,
  PUBLISHED_DIR,
  resolveSweep,
} from "./transfer.ts";
export {
  emitJob,
  type EmitKind,
  type EmitOptions,
  type EmitResult,
  k8sManifest,
  slurmScript,
} from "./emit.ts";
export {
  checkWritable,
  maxArraySize,
  runOnSlurm,
  type SlurmProgress,
  slurmProgressLine,
  type SlurmProgressOption,
  SlurmRunError,
  type SlurmRunOptions,
  type SlurmRunResult,
} from "./slurm_run.ts";
export { configColumns, METRIC_TYPES, ROUND_TYPES } from "./columns.ts";
