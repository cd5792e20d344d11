// The results store's public API: one DuckDB file with tables sweeps,
// sweep_points, runs and rounds (columns derived from the config schema and
// the engine's types), SQL on it for notebooks and the `query` command, and
// Parquet in and out (an exported sweep; run files written without a store
// and ingested later). The store knows runs and sweeps, not how they were run.

export {
  DEFAULT_STORE,
  exists,
  type OpenOptions,
  type Rows,
  type RunRecord,
  sqlLiteral,
  Store,
  StoreError,
  type StoreErrorKind,
  type SweepPoint,
  type SweepRecord,
  type SweepRow,
  writeTextAtomic,
} from "./store.ts";
export { formatTable, query, queryRows, type QueryTable, toCsv, toJson, toTable } from "./query.ts";
export {
  type ExportOptions,
  type ExportResult,
  exportSweep,
  importSweep,
  type IngestCounts,
  type IngestOptions,
  type IngestResult,
  ingestRunFiles,
  isExportedSweep,
  parquetTable,
  PUBLISHED_DIR,
  readParquetRows,
  resolveSweep,
  RUN_FILE_ROUNDS,
  RunFileWriter,
} from "./transfer.ts";
export { configColumns, METRIC_TYPES, ROUND_TYPES } from "./columns.ts";
