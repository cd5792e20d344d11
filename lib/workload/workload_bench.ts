// Generation speed of each workload kind, in operations per second through
// fill() with 64 Ki-operation batches, against a naive baseline (Math.random
// and one object per operation, what a first version would write), and
// (benchWorkloadVsHotPath) against the IOMMU hot path the generators feed,
// measured in the same run: a generator should never be the bottleneck
// (issue 15: at least twice the hot path's accesses/s). The bench script
// includes both; `deno run -A lib/workload/workload_bench.ts` prints them.
// Rates are noisy on a shared machine: compare rows of one run, not runs.

import { parseConfig, type RunConfigInput } from "../config/mod.ts";
import {
  BATCH as HOT_BATCH,
  type BenchRow as TargetRow,
  hotPathDomain,
  median,
  runEngine,
  targetRow,
} from "../iommu/iommu_bench.ts";
import type { DmaBatch } from "../iommu/mod.ts";
import { createBatch, createWorkload, type WorkloadGenerator } from "./mod.ts";

export interface BenchRow {
  name: string;
  opsPerSecond: number;
}

const CASES: [string, RunConfigInput["workload"]][] = [
  ["uniform 4 KiB, 2^14 slots (shift)", { kind: "uniform", workingSet: "64MiB" }],
  ["uniform 4 KiB, 10^4 slots (Lemire)", { kind: "uniform", workingSet: 10_000 * 4096 }],
  ["uniform 64 B, 3·2^22 slots (53-bit)", {
    kind: "uniform",
    accessSize: 64,
    workingSet: "768MiB",
  }],
  ["uniform, writeFraction 1", { kind: "uniform", writeFraction: 1 }],
  ["zipf s=0.99 contiguous, 2^14 pages", { kind: "zipf", scatter: false }],
  ["zipf s=0.99 scatter, 2^14 pages", { kind: "zipf", scatter: true }],
  ["zipf s=0.99 scatter, 2^20 pages", { kind: "zipf", workingSet: "4GiB" }],
  ["ring 256 × 2 KiB", { kind: "ring" }],
  ["stream", { kind: "stream" }],
  ["mix uniform+zipf+ring", {
    kind: "mix",
    parts: [{ kind: "uniform", weight: 1 }, { kind: "zipf", weight: 1 }, {
      kind: "ring",
      weight: 1,
    }],
  }],
  ["trace (sample, loop)", { kind: "trace", path: "data/traces/nic_queue.csv" }],
];

/** The naive baseline: uniform 4 KiB slots from Math.random, an object per op. */
function naive(count: number): number {
  const slots = 16384;
  let sink = 0;
  for (let i = 0; i < count; i++) {
    const op = {
      iova: Math.floor(Math.random() * slots) * 4096,
      length: 4096,
      write: Math.random() < 0.5,
    };
    sink += op.iova + (op.write ? 1 : 0);
  }
  return sink;
}

/** Operations/s of each kind's generator (and the naive baseline). */
export async function benchWorkloads(opts: { ops?: number } = {}): Promise<BenchRow[]> {
  const ops = opts.ops ?? 4_000_000;
  const batch = createBatch(1 << 16);
  const rows: BenchRow[] = [];
  const t0 = performance.now();
  naive(ops);
  rows.push({
    name: "naive baseline (Math.random, object per op)",
    opsPerSecond: ops / ((performance.now() - t0) / 1e3),
  });
  for (const [name, workload] of CASES) {
    const c = parseConfig({ guest: { memory: "8GiB" }, workload });
    const g = await createWorkload(c.workload, { seed: 1, guestMemory: c.guest.memory });
    g.fill(batch, Infinity); // warm-up: let the JIT compile the loop
    let done = 0;
    const start = performance.now();
    while (done < ops) done += g.fill(batch, Infinity);
    rows.push({ name, opsPerSecond: done / ((performance.now() - start) / 1e3) });
  }
  return rows;
}

/**
 * Zipf over 2^24 pages (64 GiB) starts in O(1) memory: building the
 * generator and drawing its first 400 k operations (what zipf_test.ts checks
 * for correctness) should take well under 5 s.
 */
export async function benchZipfStart(): Promise<TargetRow[]> {
  const rows: TargetRow[] = [];
  for (const workingSet of ["64GiB", "4GiB"]) {
    const t0 = performance.now();
    const c = parseConfig({
      guest: { memory: "128GiB" },
      workload: { kind: "zipf", s: 0.9, scatter: false, workingSet },
    });
    const g = await createWorkload(c.workload, { seed: 1, guestMemory: c.guest.memory });
    const batch = createBatch(4096);
    for (let done = 0; done < 400_000;) done += g.fill(batch, Infinity);
    const ms = performance.now() - t0;
    rows.push({
      name: `zipf s=0.9 over ${workingSet}: create + first 400 k operations`,
      value: ms,
      unit: "ms",
      target: "< 5000 ms",
      met: ms < 5000,
    });
  }
  return rows;
}

/** Each kind at its largest benchmarked size, as the hot-path rows draw them. */
const VS_HOT: [string, RunConfigInput["workload"]][] = [
  ["uniform 4 KiB, 2^20 slots", { kind: "uniform", workingSet: "4GiB" }],
  ["uniform 4 KiB, 10^4 slots (Lemire)", { kind: "uniform", workingSet: 10_000 * 4096 }],
  ["uniform 64 B, 3·2^22 slots (53-bit)", {
    kind: "uniform",
    accessSize: 64,
    workingSet: "768MiB",
  }],
  ["zipf s=0.99 scatter, 2^20 pages", { kind: "zipf", workingSet: "4GiB" }],
  ["zipf s=1.2 contiguous, 2^16 pages (the demo's)", {
    kind: "zipf",
    s: 1.2,
    scatter: false,
    workingSet: "256MiB",
    writeFraction: 0.1,
  }],
  ["ring 256 × 2 KiB", { kind: "ring" }],
  ["stream 4 KiB, 2^20 slots", { kind: "stream", workingSet: "4GiB" }],
  ["mix uniform+zipf+ring", {
    kind: "mix",
    parts: [{ kind: "uniform", weight: 1 }, { kind: "zipf", weight: 1 }, {
      kind: "ring",
      weight: 1,
    }],
  }],
  ["trace (sample, loop)", { kind: "trace", path: "data/traces/nic_queue.csv", loop: true }],
];

/** A target row whose value is the median over the rounds of generator/hot path. */
export interface VsHotPathRow extends TargetRow {
  /** The generator's operations/s (median of the rounds). */
  opsPerSecond: number;
  /** The hot path's accesses/s in the same rounds (median). */
  hotPathPerSecond: number;
}

/** Operations/s of `ops` operations drawn through fill() into `batch`. */
function generationRate(g: WorkloadGenerator, batch: DmaBatch, ops: number): number {
  let done = 0;
  const t0 = performance.now();
  while (done < ops) done += g.fill(batch, Infinity);
  return done / ((performance.now() - t0) / 1e3);
}

/**
 * Each kind's generation rate against the IOMMU hot path (uniform random
 * 4 KiB writes over 1 Mi pages into a 512-entry 8-way IOTLB through dmaBatch
 * with the write log attached, exactly as iommu_bench.ts runs it), in
 * `rounds` rounds that run every generator and the hot path back to back
 * (`ops` operations each), so a round's ratio sees one machine load; the
 * ratio is the median of the rounds'. Target: at least 2×.
 */
export async function benchWorkloadVsHotPath(
  opts: { ops?: number; rounds?: number } = {},
): Promise<VsHotPathRow[]> {
  const ops = opts.ops ?? 2_000_000;
  const rounds = opts.rounds ?? 15;
  const batch = createBatch(1 << 16);
  const gens: WorkloadGenerator[] = [];
  for (const [, workload] of VS_HOT) {
    const c = parseConfig({ guest: { memory: "8GiB" }, workload });
    gens.push(await createWorkload(c.workload, { seed: 1, guestMemory: c.guest.memory }));
  }
  const hot = hotPathDomain(true);
  const hotBatch: DmaBatch = {
    iova: new Float64Array(HOT_BATCH),
    length: new Uint32Array(HOT_BATCH).fill(4096),
    write: new Uint8Array(HOT_BATCH).fill(1),
  };
  // Warm-up: the JIT, and every page of the hot path once (as iommu_bench.ts does).
  runEngine(hot, 2 << 20, hotBatch, 7);
  for (const g of gens) generationRate(g, batch, 1 << 20);
  const rate = gens.map(() => [] as number[]), hotRate = gens.map(() => [] as number[]);
  // Short runs, the pair's order alternating: this VM's speed swings ~2x
  // over a fraction of a second, so a pair must run close together.
  for (let r = 0; r < rounds; r++) {
    gens.forEach((g, k) => {
      if (r % 2) hotRate[k].push(runEngine(hot, ops, hotBatch, 11 + r));
      rate[k].push(generationRate(g, batch, ops));
      if (r % 2 === 0) hotRate[k].push(runEngine(hot, ops, hotBatch, 11 + r));
    });
  }
  return VS_HOT.map(([name], k) => {
    const { name: _, ...ratio } = targetRow(name, rate[k].map((x, i) => x / hotRate[k][i]), {
      atLeast: 2,
    });
    return { name, opsPerSecond: median(rate[k]), hotPathPerSecond: median(hotRate[k]), ...ratio };
  });
}

if (import.meta.main) {
  for (const r of await benchWorkloads()) {
    console.log(`${(r.opsPerSecond / 1e6).toFixed(1).padStart(8)} M ops/s  ${r.name}`);
  }
  console.table(await benchZipfStart());
  console.table(await benchWorkloadVsHotPath());
}
