// Rows for the plots: one flat record per run, with the config flattened into
// columns named by path joined with "_" (iommu_pageSize, tracking_split, ...)
// and every Summary metric under its own name — the shape of the sweep
// store's `runs` table — whether they come from simulate(), plain objects or
// an Arquero table. DuckDB hands BIGINT columns back as bigint: numbers here.

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

/** `{ iommu: { pageSize: 4096 } }` → `{ iommu_pageSize: 4096 }`; arrays stay values. */
export function flattenConfig(value: object, prefix = ""): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}_${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      Object.assign(out, flattenConfig(v, name));
    } else out[name] = plain(v);
  }
  return out;
}

/** One SimResult as a store-shaped row (flattened config + summary metrics). */
export function resultRow(result: SimResult): Row {
  const row = flattenConfig(result.config);
  if (row.tracking_clearBatch !== undefined) {
    // The store keeps clearBatch as text ("1", "64", "round"): match it.
    row.tracking_clearBatch = String(row.tracking_clearBatch);
  }
  return { ...row, ...result.summary };
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
