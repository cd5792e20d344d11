// Sweep throughput and the store's cost on a fixed sweep, against simulate()
// on every point in one thread with no store: points per second with 1 and 2
// workers, the store's write time as a share of simulate()'s (target < 5 %),
// and what a 1-worker sweep's wall time adds end to end. Noisy on a shared
// machine: compare ratios within one run (`deno run -A lib/sweep/sweep_bench.ts`).

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
}

export interface BenchOptions {
  spec?: SweepSpec;
  engine?: string | URL;
  /** Worker counts to time (default 1 and 2). */
  workers?: number[];
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
  const dir = await Deno.makeTempDir({ prefix: "sweep-bench-" });
  try {
    for (const w of options.workers ?? [1, 2]) {
      t0 = performance.now();
      const r = await sweep(plan, {
        store: `${dir}/w${w}.duckdb`,
        engine,
        workers: w,
        progress: "none",
      });
      const seconds = (performance.now() - t0) / 1000;
      rows.push({
        name: "sweep",
        workers: w,
        points: r.ran,
        seconds,
        pointsPerSec: r.ran / seconds,
      });
      if (w === 1) {
        rows.push({
          name: "store writes",
          workers: w,
          points: r.ran,
          seconds: r.writeMs / 1000,
          pointsPerSec: r.ran / (r.writeMs / 1000),
          msPerPoint: r.writeMs / r.ran,
          overheadPct: 100 * (r.writeMs / 1000) / simulateSec,
          overheadMeasures: "store write time / simulate alone (writes only)",
        });
        const extra = seconds - simulateSec;
        rows.push({
          name: "end-to-end",
          workers: w,
          points: r.ran,
          seconds: extra,
          pointsPerSec: r.ran / seconds,
          msPerPoint: 1000 * extra / r.ran,
          overheadPct: 100 * extra / simulateSec,
          overheadMeasures: "(1-worker sweep wall - simulate alone) / simulate alone",
        });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}

if (import.meta.main) {
  const rows = await sweepBench();
  for (const r of rows) {
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
