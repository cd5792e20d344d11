// The store's column layout. Config columns are the flattened config's
// (lib/config/flatten.ts: one per schema leaf, iommu_pageSize, tracking_split),
// so a key added to the schema becomes a column without touching this file.
// Metric and round columns are typed against Summary and RoundRecord, so the
// compiler notices when a field is added there and not here.

import { configLeaves, type LeafKind } from "../config/mod.ts";
import type { RoundRecord, Summary } from "../migration/mod.ts";

export type SqlType = "VARCHAR" | "DOUBLE" | "BIGINT" | "INTEGER" | "BOOLEAN" | "TIMESTAMP";

export interface Column {
  name: string;
  type: SqlType;
}

export interface ConfigColumn extends Column {
  path: string[];
}

/** Every Summary metric, under its own name. */
export const METRIC_TYPES: Record<keyof Summary, SqlType> = {
  iotlbMissRate: "DOUBLE",
  iotlbMissRateBaseline: "DOUBLE",
  bytesTransferred: "DOUBLE",
  dirtyBytesTransferred: "DOUBLE",
  rounds: "DOUBLE",
  converged: "BOOLEAN",
  downtimeMs: "DOUBLE",
  migrationMs: "DOUBLE",
  invalidations: "DOUBLE",
  domainFlushes: "DOUBLE",
  invalidationNs: "DOUBLE",
  splits: "DOUBLE",
  collapses: "DOUBLE",
  pageTableBytesPeak: "DOUBLE",
  walkMemoryAccesses: "DOUBLE",
  translations: "DOUBLE",
  iotlbMisses: "DOUBLE",
  lostWrites: "DOUBLE",
  dmaThroughput: "DOUBLE",
  dmaThroughputBaseline: "DOUBLE",
  dmaThroughputNoIommu: "DOUBLE",
  guestDmaSlowdown: "DOUBLE",
  dirtyReadNs: "DOUBLE",
};

/** Every RoundRecord field, under its own name. */
export const ROUND_TYPES: Record<keyof RoundRecord, SqlType> = {
  round: "INTEGER",
  startMs: "DOUBLE",
  durationMs: "DOUBLE",
  bytesSent: "DOUBLE",
  dirtyBytes: "DOUBLE",
  translations: "DOUBLE",
  iotlbMisses: "DOUBLE",
  invalidations: "DOUBLE",
  domainFlushes: "DOUBLE",
  splits: "DOUBLE",
  pageTableBytes: "DOUBLE",
  dmaThroughput: "DOUBLE",
  readNs: "DOUBLE",
  stopAndCopy: "BOOLEAN",
};

/** Columns of a run that are not config or metrics. */
export const RUN_HEAD: Column[] = [
  { name: "run_key", type: "VARCHAR" },
  { name: "sweep_id", type: "VARCHAR" },
  { name: "status", type: "VARCHAR" },
  { name: "error", type: "VARCHAR" },
  { name: "wall_ms", type: "DOUBLE" },
  { name: "engine_version", type: "VARCHAR" },
];

const SQL_TYPES: Record<LeafKind, SqlType> = {
  integer: "BIGINT",
  number: "DOUBLE",
  boolean: "BOOLEAN",
  text: "VARCHAR",
};

let cached: ConfigColumn[] | undefined;

/** One column per leaf of the config schema, in schema order (see flattenConfig). */
export function configColumns(): ConfigColumn[] {
  cached ??= configLeaves().map((l) => ({ name: l.name, type: SQL_TYPES[l.kind], path: l.path }));
  return cached;
}

/** Every column of the runs table, in order. */
export function runColumns(): Column[] {
  return [
    ...RUN_HEAD,
    ...configColumns().map(({ name, type }) => ({ name, type })),
    { name: "config_json", type: "VARCHAR" },
    ...Object.entries(METRIC_TYPES).map(([name, type]) => ({ name, type })),
  ];
}

/** Every column of the rounds table, in order. */
export function roundColumns(): Column[] {
  return [
    { name: "run_key", type: "VARCHAR" },
    ...Object.entries(ROUND_TYPES).map(([name, type]) => ({ name, type })),
  ];
}

/** Quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
