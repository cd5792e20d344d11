// Sweep throughput and the store's cost on a fixed sweep, against simulate()
// on every point in one thread with no store: points per second with 1 and 2
// workers (their ratio: target >= 1.85), the store's write time as a share of
// the 1-worker sweep's time (target < 5 %), and what a 1-worker sweep's wall
// time adds end to end (lib/demo/demo_bench.ts times a demo-shaped sweep).
// Noisy on a shared machine: compare ratios within one run
// (`deno run -A lib/sweep/sweep_bench.ts`).

import { DEFAULT_ENGINE, resolveEngine } from "./engine.ts";
import { planFor } from "./runner.ts";
import { sweep } from "./sweep.ts";
import type { SweepSpec } from "./spec.ts";
import type { SimResult } from "../migration/mod.ts";

/** The fixed sweep: 2 page sizes x 3 split policies x 6 seeds on a small guest. */
export const BENCH_SPEC: SweepSpec = {
  name: "bench",
  base: { guest: { memory: "256MiB" }, workload: { workingSet: "32MiB" } },
  axes: {
    "iommu.pageSize": "4KiB,2MiB",
    "tracking.split": "none,eager,lazy",
    seed: "range(1,7)",
  },
};

// Its own median: this folder reaches others only through their mod.ts
// (lib/distribute/layers_test.ts), and iommu_bench.ts's is not in one.
const median = (xs: number[]) => {
  const a = [...xs].sort((p, q) => p - q);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};

export interface BenchRow {
  /** What was measured. */
  name: string;
  workers: number;
  points: number;
  seconds: number;
  pointsPerSec: number;
  /** For the overhead rows: the overhead as a share of simulate() alone, %. */
  overheadPct?: number;
  /** For the overhead rows: ms of overhead per point. */
  msPerPoint?: number;
  /** For the overhead rows: what overheadPct divides by what. */
  overheadMeasures?: string;
  /** For a target row: the value, the bound as written and whether it is met. */
  value?: number;
  unit?: string;
  target?: string;
  met?: boolean;
  note?: string;
}

export interface BenchOptions {
  spec?: SweepSpec;
  engine?: string | URL;
  /** Worker counts to time (default 1 and 2). */
  workers?: number[];
  /** Sweeps per worker count, alternating; the rows are their medians (default 5: this VM runs at ~half speed for seconds at a time). */
  repeats?: number;
}

/** Runs the bench and returns one row per measurement. */
export async function sweepBench(options: BenchOptions = {}): Promise<BenchRow[]> {
  const engine = resolveEngine(options.engine ?? DEFAULT_ENGINE);
  const plan = await planFor(options.spec ?? BENCH_SPEC, engine);
  const n = plan.points.length;
  const { simulate } = await import(engine) as {
    simulate: (input: unknown) => Promise<SimResult>;
  };
  // Baseline: simulate() alone, one thread, no store (one warm-up point first).
  await simulate(plan.points[0].config);
  let t0 = performance.now();
  for (const p of plan.points) await simulate(p.config);
  const simulateSec = (performance.now() - t0) / 1000;
  const rows: BenchRow[] = [{
    name: "simulate alone",
    workers: 0,
    points: n,
    seconds: simulateSec,
    pointsPerSec: n / simulateSec,
  }];
  const counts = options.workers ?? [1, 2];
  const repeats = options.repeats ?? 5;
  const runs = new Map(
    counts.map((w) => [w, [] as { seconds: number; ran: number; writeMs: number }[]]),
  );
  const dir = await Deno.makeTempDir({ prefix: "sweep-bench-" });
  try {
    // Alternating, so each worker count sees the machine's load alike.
    for (let k = 0; k < repeats; k++) {
      for (const w of k % 2 ? [...counts].reverse() : counts) {
        t0 = performance.now();
        const r = await sweep(plan, {
          store: `${dir}/w${w}-${k}.duckdb`,
          engine,
          workers: w,
          progress: "none",
        });
        runs.get(w)!.push({
          seconds: (performance.now() - t0) / 1000,
          ran: r.ran,
          writeMs: r.writeMs,
        });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const rate: Record<number, number[]> = {};
  for (const w of counts) {
    const rs = runs.get(w)!;
    rate[w] = rs.map((r) => r.ran / r.seconds);
    const seconds = median(rs.map((r) => r.seconds));
    const ran = rs[0].ran;
    rows.push({ name: "sweep", workers: w, points: ran, seconds, pointsPerSec: ran / seconds });
    if (w === 1) {
      const writeMs = median(rs.map((r) => r.writeMs));
      rows.push({
        name: "store writes",
        workers: w,
        points: ran,
        seconds: writeMs / 1000,
        pointsPerSec: ran / (writeMs / 1000),
        msPerPoint: writeMs / ran,
        overheadPct: 100 * (writeMs / 1000) / simulateSec,
        overheadMeasures: "store write time / simulate alone (writes only)",
      });
      const extra = seconds - simulateSec;
      rows.push({
        name: "end-to-end",
        workers: w,
        points: ran,
        seconds: extra,
        pointsPerSec: ran / seconds,
        msPerPoint: 1000 * extra / ran,
        overheadPct: 100 * extra / simulateSec,
        overheadMeasures: "(1-worker sweep wall - simulate alone) / simulate alone",
      });
    }
  }
  if (runs.has(1) && runs.has(2)) {
    // Paired: the k-th 2-worker sweep against the k-th 1-worker one.
    const ratios = rate[2].map((x, k) => x / rate[1][k]);
    const speedup = median(ratios);
    rows.push({
      name: "speed-up: 2 workers / 1 worker",
      workers: 2,
      points: n,
      seconds: NaN,
      pointsPerSec: NaN,
      value: speedup,
      unit: "x",
      target: ">= 1.85",
      met: speedup >= 1.85,
      note: `median of ${ratios.length} pairs of sweeps (min ${
        Math.min(...ratios).toFixed(3)
      }, max ${Math.max(...ratios).toFixed(3)})`,
    });
  }
  if (runs.has(1)) {
    const shares = runs.get(1)!.map((r) => 100 * (r.writeMs / 1000) / r.seconds);
    const share = median(shares);
    rows.push({
      name: "store share of a 1-worker sweep's time",
      workers: 1,
      points: n,
      seconds: NaN,
      pointsPerSec: NaN,
      value: share,
      unit: "%",
      target: "< 5",
      met: share < 5,
      note: `store write time / sweep wall time, median of ${shares.length} sweeps`,
    });
  }
  return rows;
}

if (import.meta.main) {
  const rows = await sweepBench();
  for (const r of rows) {
    if (r.value !== undefined) {
      console.log(
        `${r.name}: ${r.value.toFixed(3)} ${r.unit}${
          r.target ? `  (target ${r.target}: ${r.met ? "met" : "NOT MET"})` : ""
        }  ${r.note ?? ""}`,
      );
      continue;
    }
    console.log(
      `${r.name.padEnd(15)} workers ${r.workers}  ${String(r.points).padStart(3)} points  ` +
        `${r.seconds.toFixed(2).padStart(6)} s  ${r.pointsPerSec.toFixed(1).padStart(7)} points/s` +
        (r.overheadPct !== undefined
          ? `  ${r.msPerPoint!.toFixed(2)} ms/point = ${
            r.overheadPct.toFixed(2)
          } %: ${r.overheadMeasures}`
          : ""),
    );
  }
}
