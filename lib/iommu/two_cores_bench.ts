// How the work scales from one core to two, in the steady state: what a long
// sweep on 2 workers gets, without the fixed costs of a short one (worker
// start-up, each worker's JIT warm-up, the last point). Two runners, A and B,
// each run their work in a loop; A never stops, B works in alternate windows
// of about a second and idles in the others. Each of A's runs is set against
// B's busy spans: "alone" if no run of B overlaps it, "beside" if B was busy
// throughout, else dropped. Both kinds of run see the same spells of this VM
// (its speed swings ~2x for 0.5-3 s at a time), as the windows alternate
// faster than the spells change, so 2 × alone / beside is the speed-up two
// cores give that work: 2 when B costs A nothing.
// - the engine: two sweep workers (lib/sweep/worker.ts, as a sweep runs them)
//   cycling through the sweep bench's 36 points; per point its median time
//   alone and beside, the ratio per point, the median over the points;
// - the C reference: two iotlb_ref processes (c_reference.ts builds the
//   program) on the hot path's shape, each run 1 M accesses (~20 ms), its own timing.
// `deno task bench two_cores` runs it alone.

import { buildReference, runReferenceProgram } from "./c_reference.ts";
import { type BenchRow, ENTRIES, median, PAGES, WAYS } from "./iommu_bench.ts";
import { planFor } from "../sweep/mod.ts";
import { BENCH_SPEC } from "../sweep/sweep_bench.ts";
import type { FromWorker, ToWorker } from "../sweep/worker.ts";

/** One run: when it started and ended (ms, one clock for both runners) and which work it was. */
export interface Span {
  t0: number;
  t1: number;
  key: number;
}

/** A's runs split by B's: alone (no run of B overlaps), beside (B busy throughout). */
export function classify(
  a: readonly Span[],
  b: readonly Span[],
  gapMs = 5,
): { alone: Span[]; beside: Span[] } {
  const runs = [...b].sort((x, y) => x.t0 - y.t0);
  // B's busy spans: its runs merged where the next starts within gapMs (the
  // round trip between two runs of a loop).
  const busy: { t0: number; t1: number }[] = [];
  for (const r of runs) {
    const last = busy[busy.length - 1];
    if (last && r.t0 - last.t1 <= gapMs) last.t1 = Math.max(last.t1, r.t1);
    else busy.push({ t0: r.t0, t1: r.t1 });
  }
  const alone: Span[] = [], beside: Span[] = [];
  for (const s of a) {
    if (busy.some((u) => u.t0 <= s.t0 && s.t1 <= u.t1)) beside.push(s);
    else if (!runs.some((r) => r.t0 < s.t1 && s.t0 < r.t1)) alone.push(s);
  }
  return { alone, beside };
}

export interface Scaling {
  /** 2 × alone / beside: the median over B's windows (see scaling). */
  speedup: number;
  /** B's windows that had runs beside it and runs alone on both sides. */
  windows: number;
  alone: number;
  beside: number;
  /** The windows' ratios, lowest and highest. */
  min: number;
  max: number;
}

/**
 * The speed-up two runners give, from A's runs alone and beside B: each run's
 * time over its key's median (keys may differ in length), then for each of
 * B's windows (`windowOf` numbers them, B's odd) the median beside it against
 * the mean of the medians alone in the windows either side, so each ratio
 * sets runs a window apart against each other; their median.
 */
export function scaling(
  alone: readonly Span[],
  beside: readonly Span[],
  windowOf: (t: number) => number,
): Scaling {
  const times = new Map<number, number[]>();
  for (const s of [...alone, ...beside]) append(times, s.key, s.t1 - s.t0);
  const scale = new Map([...times].map(([k, ts]) => [k, median(ts)]));
  const byWindow = (spans: readonly Span[]) => {
    const m = new Map<number, number[]>();
    for (const s of spans) {
      append(m, windowOf(s.t0), (s.t1 - s.t0) / scale.get(s.key)!);
    }
    return m;
  };
  const a = byWindow(alone), b = byWindow(beside);
  const ratios: number[] = [];
  for (const [w, with_] of b) {
    const before = a.get(w - 1), after = a.get(w + 1);
    if (!before || !after) continue;
    ratios.push((median(before) + median(after)) / median(with_)); // 2 × their mean / beside
  }
  return {
    speedup: ratios.length ? median(ratios) : NaN,
    windows: ratios.length,
    alone: alone.length,
    beside: beside.length,
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  };
}

function append(m: Map<number, number[]>, key: number, value: number): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

/** A run of work `k` by a runner, resolving to its span. */
export type Runner = (k: number) => Promise<Span>;

/**
 * Runs A without pause and B in the odd windows of `windowMs`, for `totalMs`;
 * then the spans classified and the speed-up. B finishes the run it is in
 * when its window ends (a point cannot be interrupted): classify() sees it.
 */
export async function toggle(
  a: Runner,
  b: Runner,
  options: { windowMs: number; totalMs: number; gapMs?: number },
): Promise<Scaling> {
  const start = performance.now(), end = start + options.totalMs;
  const bOn = () => Math.floor((performance.now() - start) / options.windowMs) % 2 === 1;
  const spansA: Span[] = [], spansB: Span[] = [];
  const loopA = async () => {
    for (let k = 0; performance.now() < end; k++) spansA.push(await a(k));
  };
  const loopB = async () => {
    for (let k = 0; performance.now() < end;) {
      if (bOn()) spansB.push(await b(k++));
      else await new Promise((r) => setTimeout(r, 2));
    }
  };
  await Promise.all([loopA(), loopB()]);
  const { alone, beside } = classify(spansA, spansB, options.gapMs);
  return scaling(alone, beside, (t) => Math.floor((t - start) / options.windowMs));
}

/** A sweep worker (lib/sweep/worker.ts) running `configs[k % n]` for run k. */
async function sweepWorker(engine: string, configs: readonly unknown[], offset: number) {
  const worker = new Worker(new URL("../sweep/worker.ts", import.meta.url), { type: "module" });
  let waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  worker.onmessage = (e: MessageEvent<FromWorker>) => waiting?.resolve(e.data);
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    waiting?.reject(new Error(`sweep worker died: ${e.message}`));
  };
  const next = () => new Promise<FromWorker>((resolve, reject) => (waiting = { resolve, reject }));
  const ready = next();
  worker.postMessage({ type: "init", engine } satisfies ToWorker);
  const m = await ready.catch((e) => {
    worker.terminate();
    throw e;
  });
  if (m.type !== "ready") {
    worker.terminate();
    throw new Error(`sweep worker: ${JSON.stringify(m)}`);
  }
  const run: Runner = async (k) => {
    const key = (k + offset) % configs.length;
    const done = next();
    worker.postMessage({ type: "run", id: k, config: configs[key] } as ToWorker);
    const r = await done;
    if (r.type !== "result" || !r.ok) throw new Error(`sweep worker: ${JSON.stringify(r)}`);
    const t1 = performance.now();
    return { t0: t1 - r.wallMs, t1, key };
  };
  return { run, close: () => worker.terminate() };
}

export interface TwoCoresOptions {
  /** The engine module the workers load (default lib/migration/mod.ts). */
  engine?: string;
  windowMs?: number;
  /** Toggling time for the engine (default 24 s) and for the C reference (default 10 s). */
  engineMs?: number;
  cMs?: number;
}

export async function benchTwoCores(options: TwoCoresOptions = {}): Promise<BenchRow[]> {
  const engine = options.engine ?? new URL("../migration/mod.ts", import.meta.url).href;
  const windowMs = options.windowMs ?? 1000;
  const plan = await planFor(BENCH_SPEC, engine);
  const configs = plan.points.map((p) => p.config);
  const a = await sweepWorker(engine, configs, 0);
  const b = await sweepWorker(engine, configs, configs.length >> 1).catch((e) => {
    a.close();
    throw e;
  });
  const rows: BenchRow[] = [];
  try {
    // Warm-up: both run every point once, side by side (the JIT settles).
    await Promise.all([a, b].map(async (w) => {
      for (let k = 0; k < configs.length; k++) await w.run(k);
    }));
    const s = await toggle(a.run, b.run, { windowMs, totalMs: options.engineMs ?? 24_000 });
    rows.push(scalingRow("engine: 2 sweep workers, steady state / 1", s, "points"));
  } finally {
    a.close();
    b.close();
  }
  const bin = buildReference();
  const cName = "C reference: 2 iotlb_ref processes, steady state / 1";
  if (!bin) {
    rows.push({
      name: cName,
      value: NaN,
      unit: "x",
      note: "skipped: no cc",
    });
    return rows;
  }
  const accesses = 1_000_000;
  const runC: Runner = async () => {
    const out = await new Deno.Command(bin, {
      args: [String(PAGES), String(ENTRIES), String(WAYS), String(accesses)],
    }).output();
    if (!out.success) throw new Error(`${bin} failed: ${new TextDecoder().decode(out.stderr)}`);
    const t1 = performance.now();
    const { accessesPerSecond } = JSON.parse(new TextDecoder().decode(out.stdout));
    return { t0: t1 - (1000 * accesses) / accessesPerSecond, t1, key: 0 };
  };
  runReferenceProgram(bin, PAGES, ENTRIES, WAYS, accesses); // warm the file cache
  // A process a run: B's runs are a spawn apart (a few ms), which its busy
  // spans bridge.
  const c = await toggle(runC, runC, {
    windowMs: windowMs / 2,
    totalMs: options.cMs ?? 10_000,
    gapMs: 25,
  });
  rows.push(scalingRow(cName, c, "runs"));
  return rows;
}

function scalingRow(name: string, s: Scaling, what: string): BenchRow {
  return {
    name,
    value: s.speedup,
    unit: "x",
    note: `median of ${s.windows} windows of the other busy against the windows either side (min ${
      s.min.toFixed(3)
    }, max ${s.max.toFixed(3)}); ${s.alone} ${what} alone, ${s.beside} with the other busy`,
  };
}

if (import.meta.main) console.table(await benchTwoCores());
