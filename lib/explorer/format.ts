// Labels and number formats for the explorer's columns: bytes in binary
// units, rates as percentages, config values as the words a reader knows
// ("2 MiB", "lazy"). Pure functions, shared by the chart, the run panel and
// the SQL result table.

const LABELS: Record<string, string> = {
  bytesTransferred: "migration data transferred",
  dirtyBytesTransferred: "data sent after round 0",
  iotlbMissRate: "guest IOTLB miss rate (tracking on)",
  iotlbMissRateBaseline: "IOTLB miss rate before tracking",
  iommu_pageSize: "IO page size",
  tracking_split: "split policy",
  tracking_clearBatch: "clear batch",
  tracking_mode: "tracking mode",
  iommu_vendor: "vendor",
  guest_memory: "guest memory",
  workload_kind: "workload",
  migration_bandwidth: "bandwidth",
  downtimeMs: "downtime (ms)",
  migrationMs: "migration time (ms)",
  invalidationNs: "invalidation time (ns)",
  pageTableBytesPeak: "page-table memory, peak",
  converged: "converged",
  seed: "seed",
};

/** A column's label for axes and legends. */
export function label(column: string): string {
  return LABELS[column] ?? column.replace(/_/g, ".");
}

/** Columns whose values are bytes (or bytes/s). */
export function isBytes(column: string): boolean {
  return /bytes|Bytes|memory|pageSize|workingSet|splitTo|bufferSize|accessSize|offset|bandwidth/
    .test(column);
}

export function isRate(column: string): boolean {
  return /Rate(Baseline)?$/.test(column);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1073741824 → "1 GiB", 1.5e9 → "1.4 GiB". */
export function formatBytes(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < UNITS.length - 1) {
    x /= 1024;
    i++;
  }
  const digits = Number.isInteger(x) ? 0 : x < 10 ? 2 : x < 100 ? 1 : 0;
  return `${v < 0 ? "-" : ""}${x.toFixed(digits)} ${UNITS[i]}`;
}

export function formatPercent(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 0.0001) return `${(v * 100).toExponential(1)}%`;
  return `${+(v * 100).toPrecision(3)}%`;
}

/** A value of `column` as text for a reader. */
export function formatValue(column: string, v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    if (isBytes(column)) return formatBytes(v) + (column.includes("bandwidth") ? "/s" : "");
    if (isRate(column)) return formatPercent(v);
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    return String(+v.toPrecision(4));
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return v.join(", ");
  return String(v);
}

const SPLIT_ORDER = ["none", "eager", "lazy"];

/** Orders distinct values the way a legend should: numbers ascending, splits as the model names them. */
export function sortValues(values: unknown[]): unknown[] {
  const rank = (v: unknown) => {
    if (typeof v === "number") return [0, v] as const;
    const n = Number(v);
    if (typeof v === "string" && v !== "" && Number.isFinite(n)) return [1, n] as const;
    const s = SPLIT_ORDER.indexOf(String(v));
    return [2, s < 0 ? 99 : s] as const;
  };
  return [...values].sort((a, b) => {
    const [ka, va] = rank(a), [kb, vb] = rank(b);
    return ka - kb || va - vb || String(a).localeCompare(String(b));
  });
}
