// A 1,000-point sweep shaped like the demo (HEADLINE_SPEC's 27 configurations,
// 37 seeds each), so the README can say how long one takes per core: timed
// on one worker over one point of each configuration (a fresh store, store
// writes included) and extrapolated to the whole sweep. The points of a
// configuration differ only in their seed, so the subset's mean cost is the
// sweep's. `deno run -A lib/demo/demo_bench.ts` prints the row.

import {
  DEFAULT_ENGINE,
  planFor,
  resolveEngine,
  sweep,
  type SweepPlan,
  type SweepSpec,
} from "../sweep/mod.ts";
import type { BenchRow } from "../sweep/sweep_bench.ts";
import { HEADLINE_SPEC } from "./mod.ts";

/** The demo's 27 configurations, 37 seeds each: 999 points. */
export const DEMO_1000_SPEC: SweepSpec = { ...HEADLINE_SPEC, name: "demo-1000", repeat: 37 };

/**
 * One point of each configuration of a sweep (its first seed), in plan order:
 * a subset whose mean cost is the sweep's, when every configuration has as
 * many seeds.
 */
export function onePerConfig(plan: SweepPlan): SweepPlan {
  const seen = new Set<string>();
  const points = plan.points.filter((p) => {
    const { seed: _, ...config } = p.axes;
    const k = JSON.stringify(config);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { ...plan, points };
}

/**
 * DEMO_1000_SPEC timed on one worker over one point of each of its 27
 * configurations (a fresh store) and extrapolated: points per second per
 * core, and the whole sweep's time on one core; then the same subset on every
 * core of this machine (a worker each), which gives the sweep's time there
 * and the speed-up on points of this size. Worker start-up and the JIT's
 * warm-up fall in the measured part, so the estimates err long.
 */
export async function benchDemoSweep(
  options: { engine?: string | URL; spec?: SweepSpec } = {},
): Promise<BenchRow[]> {
  const engine = resolveEngine(options.engine ?? DEFAULT_ENGINE);
  const full = await planFor(options.spec ?? DEMO_1000_SPEC, engine);
  const subset = onePerConfig(full);
  const cores = Math.max(1, navigator.hardwareConcurrency ?? 1);
  const dir = await Deno.makeTempDir({ prefix: "sweep-bench-demo-" });
  const timed = async (workers: number) => {
    const t0 = performance.now();
    const r = await sweep(subset, {
      store: `${dir}/demo-${workers}.duckdb`,
      engine,
      workers,
      progress: "none",
    });
    return { seconds: (performance.now() - t0) / 1000, ran: r.ran };
  };
  let one: { seconds: number; ran: number };
  let all: { seconds: number; ran: number } | null = null;
  try {
    one = await timed(1);
    if (cores > 1) all = await timed(cores);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const perCore = one.ran / one.seconds;
  const wholeSec = full.points.length / perCore;
  const min = (s: number) => `${(s / 60).toFixed(1)} min`;
  const rows: BenchRow[] = [
    {
      name: `demo-shaped sweep of ${full.points.length} points: points/s per core`,
      workers: 1,
      points: one.ran,
      seconds: one.seconds,
      pointsPerSec: perCore,
      value: perCore,
      unit: "points/s per core",
      note: `measured on ${one.ran} of its ${full.points.length} points (one of each ` +
        `configuration, 1 worker, store included), extrapolated: ${min(wholeSec)} on one core`,
    },
  ];
  if (all) {
    const rate = all.ran / all.seconds;
    rows.push({
      name: `the same ${all.ran} points on ${cores} workers: speed-up over 1 worker`,
      workers: cores,
      points: all.ran,
      seconds: all.seconds,
      pointsPerSec: rate,
      value: rate / perCore,
      unit: "x",
      note: `one sweep each, back to back; the ${full.points.length}-point sweep at that rate: ` +
        `${min(full.points.length / rate)} on ${cores} cores`,
    });
  }
  return rows;
}

if (import.meta.main) {
  for (const r of await benchDemoSweep()) {
    console.log(`${r.name}: ${r.value!.toFixed(3)} ${r.unit}; ${r.note}`);
  }
}
