// The store's column layout. Config columns come from the config schema itself
// (its output JSON Schema), one per leaf, the path joined with "_"
// (iommu_pageSize, tracking_clearBatch, workload_kind): a key added to the
// schema becomes a column without touching this file. A leaf that may be a
// number or a word (clearBatch: 64 or "round") is text; lists are JSON text.
// Metric and round columns are typed against Summary and RoundRecord, so the
// compiler notices when a field is added there and not here.

import { z } from "zod";
import { canonicalJson, type RunConfig, runConfigSchema } from "../config/mod.ts";
import type { RoundRecord, Summary } from "../migration/types.ts";

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

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

function leafType(s: JsonSchema): SqlType {
  const options = s.anyOf ?? s.oneOf;
  if (options) {
    const types = new Set(options.map(leafType));
    return types.size === 1 ? [...types][0] : "VARCHAR";
  }
  switch (s.type) {
    case "integer":
      return "BIGINT";
    case "number":
      return "DOUBLE";
    case "boolean":
      return "BOOLEAN";
    case undefined:
      // A unit (size, duration, rate): a string or number on input, always a
      // number once parsed; the JSON Schema cannot say so.
      return "DOUBLE";
    default:
      return "VARCHAR";
  }
}

function isObjectSchema(s: JsonSchema): boolean {
  const options = s.anyOf ?? s.oneOf;
  if (options) return options.every((o) => o.properties !== undefined);
  return s.properties !== undefined;
}

function walk(s: JsonSchema, path: string[], out: Map<string, ConfigColumn>): void {
  if (!isObjectSchema(s)) {
    const name = path.join("_");
    const type = leafType(s);
    const seen = out.get(name);
    // The same leaf in two variants of a union (workload kinds) keeps one
    // column; if their types differ it holds text.
    if (seen) seen.type = seen.type === type ? type : "VARCHAR";
    else out.set(name, { name, type, path });
    return;
  }
  for (const variant of s.anyOf ?? s.oneOf ?? [s]) {
    for (const [k, child] of Object.entries(variant.properties ?? {})) {
      walk(child, [...path, k], out);
    }
  }
}

let cached: ConfigColumn[] | undefined;

/** One column per leaf of the config schema, in schema order. */
export function configColumns(): ConfigColumn[] {
  if (!cached) {
    const schema = z.toJSONSchema(runConfigSchema, { io: "output", unrepresentable: "any" });
    const out = new Map<string, ConfigColumn>();
    walk(schema as JsonSchema, [], out);
    cached = [...out.values()];
  }
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

function at(config: unknown, path: string[]): unknown {
  let v = config;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** A config value as its column holds it (text columns take words, numbers or JSON). */
function cell(value: unknown, type: SqlType): unknown {
  if (value === undefined || value === null) return null;
  if (type !== "VARCHAR") return value;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return canonicalJson(value);
}

/** The config columns of one run: column name → value. */
export function flattenConfig(config: RunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of configColumns()) out[c.name] = cell(at(config, c.path), c.type);
  return out;
}

/** Quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
