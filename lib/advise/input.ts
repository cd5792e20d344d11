// What `advise` is asked: a device's DMA (a trace file, a parametric workload,
// or a measured dirty rate) and the migration's limits, resolved into one base
// run config, the grid restrictions the user wrote, and the limits with QEMU's
// defaults where none is given (FACTS §4: 128 MiB/s, 300 ms). A trace is
// rewritten in canonical form under a name made of its content's hash, so the
// store's run keys (which see only the path) can never mix up two traces.

import { dirname, isAbsolute, join, relative } from "node:path";
import {
  applyOverrides,
  ConfigError,
  formatDuration,
  formatSize,
  mergeInputs,
  parseBandwidth,
  parseConfig,
  parseDuration,
  parseSize,
  type RunConfig,
  sha256Hex,
  UnitError,
} from "../config/mod.ts";
import { DEFAULT_STORE } from "../sweep/mod.ts";
import { loadTrace, type TraceData, tracePeriodNs, WorkloadError } from "../workload/mod.ts";
import { type DirtyRate, dirtyRateWorkload, PAGE_BYTES } from "./dirty_rate.ts";
import { AdviseError } from "./errors.ts";

/** What the user asked, as written (strings with units, as on the command line). */
export interface AdviseRequest {
  /** A DMA trace, CSV or Parquet (lib/workload/trace_file.ts has the columns). */
  trace?: string;
  /** A measured dirty rate: a number is QEMU's MB/s (MiB/s); or "120MiB/s". */
  dirtyRate?: string;
  /** The memory the dirty rate was measured over (default: guest memory). */
  dirtyRateMemory?: string;
  /** QEMU's calc-time (default 1s). */
  dirtyRateTime?: string;
  /** How the dirty rate's pages are spread (default uniform). */
  dirtyRateShape?: string;
  /** A config input (e.g. a config file's content); overrides apply on top. */
  config?: Record<string, unknown>;
  /** `key=value` run-config overrides (workload.kind=zipf, iommu.iotlb.entries=512, ...). */
  overrides?: string[];
  memory?: string;
  bandwidth?: string;
  downtime?: string;
  maxRounds?: string | number;
  /** The guest's tolerance: "5%" or 0.05 of DMA throughput lost. */
  maxSlowdown?: string;
  /** The guest's tolerance as an IOTLB miss rate while tracking: "10%". */
  maxMissRate?: string;
  /** IO page sizes to consider (default 4KiB, 2MiB, 1GiB). */
  pageSizes?: string[];
  /** Runs per configuration (seeds, or a trace's start phases); default 3. */
  runs?: string | number;
  /** One run per configuration. */
  quick?: boolean;
  /** Directory relative paths are read from (default: the working directory). */
  baseDir?: string;
  /** Results store (default data/results.duckdb). */
  store?: string;
  /** Where canonical traces are kept (default: advise-traces/ beside the store). */
  traceDir?: string;
}

/** The migration's limits, effective units: bytes, bytes/s, ms, fractions. */
export interface Limits {
  memoryBytes: number;
  bandwidthBytesPerSec: number;
  downtimeMs: number;
  maxRounds: number;
  /** Guest tolerance as written; at most one of the two is set by the user. */
  maxSlowdown?: number;
  maxMissRate?: number;
  /** Limits not given, so taken from defaults: "memory", "bandwidth", "downtime", "guest". */
  defaulted: string[];
  /** The limits as the user wrote them (for the answer's first lines). */
  written: { memory?: string; bandwidth?: string; downtime?: string };
}

export interface TraceSummary {
  /** The path as given. */
  path: string;
  /** The canonical copy the sweep replays. */
  canonicalPath: string;
  rows: number;
  spanNs: number;
  /** The loop period (span plus one mean gap), ns. */
  periodNs: number;
  opsPerSec: number;
  writeFraction: number;
  /** Distinct 4 KiB pages the trace writes. */
  pagesWritten: number;
  /** Lowest and highest byte touched, [start, end). */
  hull: [number, number];
  /** "time from time_us (µs), iova from addr, ..." when not the canonical spelling. */
  spelling: string;
}

export interface WorkloadSource {
  kind: "trace" | "parametric" | "dirty-rate";
  /** One line: what the device does, as modelled. */
  text: string;
  trace?: TraceSummary;
}

/** Grid dimensions the user fixed (a swept key given as an override or option). */
export interface Restrictions {
  pageSizes?: number[];
  splits?: string[];
  clearBatches?: (number | "round")[];
  lazyThreshold?: number;
  startBeforeMs?: number;
}

export interface ResolvedInput {
  /** The run config every candidate starts from (no swept keys). */
  base: Record<string, unknown>;
  /** `base` validated and defaulted. */
  config: RunConfig;
  source: WorkloadSource;
  limits: Limits;
  restrictions: Restrictions;
  /** Runs per configuration: config overrides for each (seed, or a trace's warm-up phase). */
  runs: Record<string, unknown>[];
  /** "3 seeds", "3 start phases of the trace (the seed does not change a trace)". */
  runsText: string;
}

export const DEFAULT_MEMORY = "1GiB";
export const DEFAULT_BANDWIDTH = "128MiB/s"; // QEMU max-bandwidth (FACTS §4)
export const DEFAULT_DOWNTIME = "300ms"; // QEMU downtime-limit (FACTS §4)
export const DEFAULT_TOLERANCE = 0.05;
export const DEFAULT_RUNS = 3;

/** Keys the grid sweeps; given as overrides they restrict the grid. */
const SWEPT: Record<string, (v: unknown, r: Restrictions) => void> = {
  "iommu.pageSize": (v, r) =>
    r.pageSizes = list(v).map((x) => unit(parseSize, "iommu.pageSize", x)),
  "tracking.split": (v, r) => r.splits = list(v).map(String),
  "tracking.clearBatch": (v, r) =>
    r.clearBatches = list(v).map((x) => (x === "round" ? "round" : Number(x))),
  "tracking.lazyThreshold": (v, r) => r.lazyThreshold = Number(v),
  "tracking.startBefore": (v, r) =>
    r.startBeforeMs = unit(parseDuration, "tracking.startBefore", v),
};

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string" && v.includes(",")) return v.split(",").map((s) => s.trim());
  return [v];
}

function unit(parse: (v: unknown) => number, what: string, v: unknown): number {
  try {
    return parse(v);
  } catch (e) {
    if (e instanceof UnitError) throw new AdviseError(`${what}: ${e.message}`);
    throw e;
  }
}

/** A fraction from "5%", "0.5 %" or 0.05; a bare number above 1 is refused as ambiguous. */
export function parseFraction(v: string | number, what: string): number {
  const text = String(v).trim();
  const m = /^([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(%?)$/.exec(text);
  const x = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!m || !Number.isFinite(x) || (!m[2] && x > 1) || x > 1) {
    throw new AdviseError(
      `${what}: ${JSON.stringify(text)} is not a fraction: write a percentage or a fraction ` +
        `of 1, e.g. 5% or 0.05`,
    );
  }
  return x;
}

function wholeNumber(v: string | number, what: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new AdviseError(`${what}: ${JSON.stringify(String(v))} is not a whole number >= ${min}`);
  }
  return n;
}

function getPath(o: Record<string, unknown>, path: string): unknown {
  let node: unknown = o;
  for (const p of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

function deletePath(o: Record<string, unknown>, path: string): void {
  const parts = path.split(".");
  let node: unknown = o;
  for (const p of parts.slice(0, -1)) {
    if (node === null || typeof node !== "object") return;
    node = (node as Record<string, unknown>)[p];
  }
  if (node !== null && typeof node === "object") {
    delete (node as Record<string, unknown>)[parts[parts.length - 1]];
  }
}

/** A limit given as an option or as its config key (not both), parsed; undefined if neither. */
function limit(
  merged: Record<string, unknown>,
  option: string | number | undefined,
  optionName: string,
  key: string,
  parse: (v: unknown) => number,
): number | undefined {
  const fromKey = getPath(merged, key);
  if (option !== undefined && fromKey !== undefined) {
    throw new AdviseError(`${optionName} and ${key} both given: give the limit once`);
  }
  if (option !== undefined) return unit(parse, optionName, option);
  if (fromKey !== undefined) return unit(parse, key, fromKey);
  return undefined;
}

function writtenOf(
  option: string | undefined,
  merged: Record<string, unknown>,
  key: string,
): string | undefined {
  const v = option ?? getPath(merged, key);
  return typeof v === "string" ? v : undefined;
}

/** Resolves a request: the base config, the workload, the limits, the grid restrictions. */
export async function resolveInput(req: AdviseRequest): Promise<ResolvedInput> {
  let merged: Record<string, unknown>;
  try {
    merged = applyOverrides(mergeInputs(req.config ?? {}), req.overrides ?? []);
  } catch (e) {
    if (e instanceof ConfigError) throw new AdviseError(e.problems.join("; "));
    throw e;
  }
  const restrictions: Restrictions = {};
  for (const [key, apply] of Object.entries(SWEPT)) {
    const v = getPath(merged, key);
    if (v === undefined) continue;
    apply(v, restrictions);
    deletePath(merged, key);
  }
  if (req.pageSizes?.length) {
    if (restrictions.pageSizes) {
      throw new AdviseError("--page-size and iommu.pageSize both given: give the page size once");
    }
    restrictions.pageSizes = req.pageSizes.flatMap((s) => s.split(",")).map((s) =>
      unit(parseSize, "--page-size", s.trim())
    );
  }

  const given: string[] = [];
  const memory = limit(merged, req.memory, "--memory", "guest.memory", parseSize);
  const bandwidth = limit(
    merged,
    req.bandwidth,
    "--bandwidth",
    "migration.bandwidth",
    parseBandwidth,
  );
  const downtime = limit(
    merged,
    req.downtime,
    "--downtime",
    "migration.downtimeLimit",
    parseDuration,
  );
  const roundsKey = getPath(merged, "migration.maxRounds");
  if (req.maxRounds !== undefined && roundsKey !== undefined) {
    throw new AdviseError("--max-rounds and migration.maxRounds both given: give it once");
  }
  if (memory !== undefined) given.push("memory");
  if (bandwidth !== undefined) given.push("bandwidth");
  if (downtime !== undefined) given.push("downtime");
  const memoryBytes = memory ?? parseSize(DEFAULT_MEMORY);
  const limits: Limits = {
    memoryBytes,
    bandwidthBytesPerSec: bandwidth ?? parseBandwidth(DEFAULT_BANDWIDTH),
    downtimeMs: downtime ?? parseDuration(DEFAULT_DOWNTIME),
    maxRounds: req.maxRounds !== undefined
      ? wholeNumber(req.maxRounds, "--max-rounds", 1)
      : roundsKey !== undefined
      ? wholeNumber(roundsKey as number, "migration.maxRounds", 1)
      : 30,
    defaulted: [],
    written: {
      memory: writtenOf(req.memory, merged, "guest.memory"),
      bandwidth: writtenOf(req.bandwidth, merged, "migration.bandwidth"),
      downtime: writtenOf(req.downtime, merged, "migration.downtimeLimit"),
    },
  };
  if (req.maxSlowdown !== undefined && req.maxMissRate !== undefined) {
    throw new AdviseError("--max-slowdown and --max-miss-rate both given: give one tolerance");
  }
  if (req.maxSlowdown !== undefined) {
    limits.maxSlowdown = parseFraction(req.maxSlowdown, "--max-slowdown");
  }
  if (req.maxMissRate !== undefined) {
    limits.maxMissRate = parseFraction(req.maxMissRate, "--max-miss-rate");
  }
  limits.defaulted = ["memory", "bandwidth", "downtime"].filter((k) => !given.includes(k));
  if (req.maxSlowdown === undefined && req.maxMissRate === undefined) {
    limits.defaulted.push("guest");
  }

  const source = await workloadSource(req, merged, memoryBytes);
  const base = mergeInputs(merged, {
    guest: { memory: memoryBytes },
    migration: {
      bandwidth: limits.bandwidthBytesPerSec,
      downtimeLimit: limits.downtimeMs,
      maxRounds: limits.maxRounds,
      // The last read's flush is downtime, and every read's flush delays its
      // round (MODEL §13): the limits are judged with it.
      overheadDelaysRound: getPath(merged, "migration.overheadDelaysRound") ?? true,
    },
    workload: source.workload,
  });
  let config: RunConfig;
  try {
    config = parseConfig(base);
  } catch (e) {
    if (e instanceof ConfigError) throw new AdviseError(e.problems.join("; "));
    throw e;
  }

  const n = req.quick
    ? 1
    : req.runs !== undefined
    ? wholeNumber(req.runs, "--runs", 1)
    : DEFAULT_RUNS;
  let runs: Record<string, unknown>[];
  let runsText: string;
  if (source.source.kind === "trace") {
    // A trace replays the same for every seed; what varies in life is where
    // in the device's activity the migration starts: n phases of the loop.
    const periodMs = source.source.trace!.periodNs / 1e6;
    const warmup = config.migration.warmup;
    runs = Array.from({ length: n }, (_, k) => ({
      migration: { warmup: warmup + (k * periodMs) / n },
    }));
    runsText = n === 1
      ? "1 run (a trace replays the same for every seed)"
      : `${n} start phases of the trace loop (a trace replays the same for every seed)`;
  } else {
    runs = Array.from({ length: n }, (_, k) => ({ seed: config.seed + k }));
    runsText = n === 1 ? "1 seed" : `${n} seeds`;
  }
  return { base, config, source: source.source, limits, restrictions, runs, runsText };
}

async function workloadSource(
  req: AdviseRequest,
  merged: Record<string, unknown>,
  memoryBytes: number,
): Promise<{ source: WorkloadSource; workload: Record<string, unknown> }> {
  const w = merged.workload as Record<string, unknown> | undefined;
  const configTrace = w?.kind === "trace";
  const given = [
    req.trace !== undefined || configTrace ? "--trace" : "",
    req.dirtyRate !== undefined ? "--dirty-rate" : "",
    w !== undefined && !configTrace ? "workload.* overrides" : "",
  ].filter(Boolean);
  if (given.length === 0) {
    throw new AdviseError(
      "no workload: give a DMA trace (--trace FILE), a parametric workload " +
        "(workload.kind=zipf workload.workingSet=256MiB ...) or a measured dirty rate (--dirty-rate MB/s)",
    );
  }
  if (given.length > 1 || (req.trace !== undefined && configTrace)) {
    throw new AdviseError(`give one workload, not ${given.join(" and ") || "two traces"}`);
  }
  if (req.trace !== undefined || configTrace) {
    const path = req.trace ?? String(w!.path);
    const loop = configTrace ? w!.loop !== false : true;
    const trace = await canonicalTrace(path, memoryBytes, req);
    if (!loop) {
      throw new AdviseError(
        "workload.loop: false would stop the device after one pass; advise replays traces looped",
      );
    }
    const t = trace.summary;
    const text = `trace ${t.path}: ${t.rows.toLocaleString("en-US")} operations over ` +
      `${formatDuration(t.spanNs / 1e6)}, ${Math.round(t.writeFraction * 100)}% writes to ` +
      `${t.pagesWritten.toLocaleString("en-US")} distinct 4 KiB pages in ` +
      `[${hex(t.hull[0])}, ${hex(t.hull[1])}), looped every ${formatDuration(t.periodNs / 1e6)} ` +
      `(${fmtOps(t.opsPerSec)})` + (t.spelling ? `; read ${t.spelling}` : "");
    return {
      source: { kind: "trace", text, trace: t },
      workload: { kind: "trace", path: trace.summary.canonicalPath, loop: true },
    };
  }
  if (req.dirtyRate !== undefined) {
    const d: DirtyRate = {
      bytesPerSec: /^\s*[0-9.eE+]+\s*$/.test(req.dirtyRate)
        ? Number(req.dirtyRate) * 2 ** 20
        : unit(parseBandwidth, "--dirty-rate", req.dirtyRate),
      overBytes: req.dirtyRateMemory !== undefined
        ? unit(parseSize, "--dirty-rate-memory", req.dirtyRateMemory)
        : memoryBytes,
      calcTimeMs: req.dirtyRateTime !== undefined
        ? unit(parseDuration, "--dirty-rate-time", req.dirtyRateTime)
        : 1000,
      shape: "uniform",
      s: 0.99,
    };
    const shape = (req.dirtyRateShape ?? "uniform").trim();
    const zipf = /^zipf(?:\(([0-9.]+)\))?$/.exec(shape);
    if (shape !== "uniform" && !zipf) {
      throw new AdviseError(
        `--dirty-rate-shape: ${JSON.stringify(shape)} is not one of uniform, zipf, zipf(S)`,
      );
    }
    if (zipf) {
      d.shape = "zipf";
      if (zipf[1] !== undefined) d.s = Number(zipf[1]);
    }
    if (d.overBytes > memoryBytes) {
      throw new AdviseError(
        `--dirty-rate-memory: ${formatSize(d.overBytes)} is more than the guest's ${
          formatSize(memoryBytes)
        }`,
      );
    }
    const dw = dirtyRateWorkload(d);
    return {
      source: { kind: "dirty-rate", text: dw.text },
      workload: { ...dw.workload },
    };
  }
  const kind = String(w!.kind ?? "uniform");
  const fields = Object.entries(w!).filter(([k]) => k !== "kind").map(([k, v]) =>
    `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`
  );
  return {
    source: {
      kind: "parametric",
      text: `${kind} workload${fields.length ? `: ${fields.join(" ")}` : ""}`,
    },
    workload: w!,
  };
}

const hex = (n: number) => `0x${n.toString(16)}`;

function fmtOps(ops: number): string {
  if (ops >= 1e6) return `${+(ops / 1e6).toPrecision(3)} M ops/s`;
  if (ops >= 1e3) return `${+(ops / 1e3).toPrecision(3)} k ops/s`;
  return `${+ops.toPrecision(3)} ops/s`;
}

/** The canonical CSV of a parsed trace: the form `workload.kind: "trace"` reads fastest. */
export function canonicalTraceCsv(t: TraceData): string {
  const lines = ["time,iova,length,write"];
  for (let r = 0; r < t.rows; r++) {
    lines.push(`${t.timeNs[r]},${t.iova[r]},${t.length[r]},${t.write[r]}`);
  }
  return lines.join("\n") + "\n";
}

/** Summary numbers of a trace, for the answer's first line and its assumptions. */
export function summarizeTrace(t: TraceData, path: string, canonicalPath: string): TraceSummary {
  const spanNs = t.timeNs[t.rows - 1] - t.timeNs[0];
  const periodNs = tracePeriodNs(t);
  if (periodNs === undefined) {
    throw new AdviseError(
      `${path}: every row has the same time, so the trace has no rate to loop at`,
    );
  }
  const pages = new Set<number>();
  let writes = 0, lo = Infinity, hi = 0;
  for (let r = 0; r < t.rows; r++) {
    const a = t.iova[r], end = a + t.length[r];
    lo = Math.min(lo, a);
    hi = Math.max(hi, end);
    if (!t.write[r]) continue;
    writes++;
    for (let p = Math.floor(a / PAGE_BYTES); p * PAGE_BYTES < end; p++) pages.add(p);
  }
  const spelled = t.columns
    ? Object.entries(t.columns).filter(([c, s]) => s.header.toLowerCase() !== c || s.unit !== "")
      .map(([c, s]) => `${c} from column ${s.header}${s.unit ? ` (${s.unit})` : ""}`)
    : [];
  return {
    path,
    canonicalPath,
    rows: t.rows,
    spanNs,
    periodNs,
    opsPerSec: t.rows / (periodNs / 1e9),
    writeFraction: writes / t.rows,
    pagesWritten: pages.size,
    hull: [lo, hi],
    spelling: spelled.join(", "),
  };
}

async function canonicalTrace(
  path: string,
  memoryBytes: number,
  req: AdviseRequest,
): Promise<{ summary: TraceSummary }> {
  const baseDir = req.baseDir ?? Deno.cwd();
  let data: TraceData;
  try {
    data = await loadTrace(path, { guestMemory: memoryBytes, baseDir, key: "--trace" });
  } catch (e) {
    if (e instanceof WorkloadError) throw new AdviseError(e.message);
    throw e;
  }
  const csv = canonicalTraceCsv(data);
  const dir = req.traceDir ?? join(dirname(req.store ?? DEFAULT_STORE), "advise-traces");
  const file = join(dir, `${(await sha256Hex(csv)).slice(0, 16)}.csv`);
  try {
    await Deno.stat(file);
  } catch {
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${file}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(tmp, csv);
    await Deno.rename(tmp, file);
  }
  // Relative to the working directory when inside it, so run keys do not
  // depend on where the checkout lives.
  const rel = relative(Deno.cwd(), file);
  const canonicalPath = !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
  return { summary: summarizeTrace(data, path, canonicalPath) };
}
