// The sweep layer's public API: expand and validate a spec, and run it through
// the one skeleton (runSweep: sink + executor), here on workers into the store
// with sweep() (resumable, deduplicated by run key). The store's names that
// sweeps hand back (Store, query, export) are re-exported from lib/store for
// the callers written before it had a folder; clusters are lib/distribute.

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
  type Execute,
  type ExecuteContext,
  type Executed,
  isPlan,
  newSweepId,
  planFor,
  type PointFailure,
  runSweep,
  type RunSweepOptions,
  startRow,
  type SweepCounts,
  sweepPoints,
  type SweepRun,
  type SweepSink,
  workerCount,
} from "./runner.ts";
export { onWorkers, type WorkersOptions, type WorkersOutcome } from "./commit.ts";
export { type StoreSink, storeSink, type StoreSinkOptions } from "./store_sink.ts";
export { sweep, type SweepOptions, type SweepResult } from "./sweep.ts";
export { DEFAULT_ENGINE, EngineError, engineVersion, resolveEngine } from "./engine.ts";
export { type Provenance, provenance } from "./provenance.ts";
export { type PoolResult, type PoolTask, runPool } from "./pool.ts";
export { formatEta } from "../units/mod.ts";
export {
  type DisplayOption,
  type ProgressInfo,
  progressLine,
  type ProgressOption,
  startDisplay,
} from "./progress.ts";
export {
  configColumns,
  DEFAULT_STORE,
  type ExportResult,
  exportSweep,
  formatTable,
  importSweep,
  type IngestResult,
  METRIC_TYPES,
  PUBLISHED_DIR,
  query,
  queryRows,
  type QueryTable,
  resolveSweep,
  ROUND_TYPES,
  type Rows,
  Store,
  StoreError,
  type StoreErrorKind,
  toCsv,
  toJson,
  toTable,
} from "../store/mod.ts";
