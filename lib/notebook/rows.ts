// Rows for the plots: one flat record per run, with the config flattened as
// the store flattens it (lib/config/flatten.ts: iommu_pageSize, tracking_split)
// and every Summary metric under its own name — the shape of the store's
// `runs` table — whether they come from simulate(), plain objects or an
// Arquero table. DuckDB hands BIGINT columns back as bigint: numbers here.

import { flattenConfig } from "../config/mod.ts";
import type { RoundRecord, SimResult } from "../migration/types.ts";

export type Row = Record<string, unknown>;

/** Something with Arquero's `objects()` (a table), without importing Arquero. */
export interface ObjectsTable {
  objects(): object[];
}

/** What the plots accept: rows, SimResults, or an Arquero table of either. */
export type RowsInput = readonly object[] | ObjectsTable;

/** Config sections whose flattened columns describe a configuration. */
export const CONFIG_PREFIXES = [
  "guest_",
  "iommu_",
  "tracking_",
  "workload_",
  "migration_",
] as const;

function isTable(x: unknown): x is ObjectsTable {
  return typeof x === "object" && x !== null && typeof (x as ObjectsTable).objects === "function";
}

function isSimResult(x: object): x is SimResult {
  const r = x as Partial<SimResult>;
  return typeof r.summary === "object" && r.summary !== null && typeof r.config === "object" &&
    r.config !== null && Array.isArray(r.rounds);
}

const plain = (v: unknown): unknown => typeof v === "bigint" ? Number(v) : v;

/** One SimResult as a store-shaped row (the config flattened as the store does + summary metrics). */
export function resultRow(result: SimResult): Row {
  return { ...flattenConfig(result.config), ...result.summary };
}

/** Normalises any accepted input to plain rows (copies; bigint → number). */
export function toRows(input: RowsInput): Row[] {
  const list: readonly object[] = isTable(input) ? input.objects() : input;
  if (!Array.isArray(list)) {
    throw new TypeError("expected an array of rows, SimResults or an Arquero table");
  }
  return list.map((r) => {
    if (isSimResult(r)) return resultRow(r);
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) out[k] = plain(v);
    return out;
  });
}

/** Round records from rows, a SimResult, or an Arquero table of the `rounds` table. */
export function toRounds(input: RowsInput | SimResult): RoundRecord[] {
  const rows = !Array.isArray(input) && !isTable(input) && isSimResult(input as object)
    ? (input as SimResult).rounds as readonly object[]
    : input as RowsInput;
  return toRows(rows).map((r) => {
    for (const k of ["round", "bytesSent", "dirtyBytes", "durationMs", "startMs"]) {
      if (typeof r[k] !== "number" || !Number.isFinite(r[k])) {
        throw new TypeError(`round record: ${k} must be a finite number, got ${String(r[k])}`);
      }
    }
    return { ...r, stopAndCopy: Boolean(r.stopAndCopy) } as unknown as RoundRecord;
  });
}

/** The config columns of a row (the flattened sections, not seed or metrics). */
export function configColumns(row: Row): string[] {
  return Object.keys(row).filter((k) => CONFIG_PREFIXES.some((p) => k.startsWith(p))).sort();
}
