// Generation speed of each workload kind, in operations per second through
// fill() with 64 Ki-operation batches, against a naive baseline (Math.random
// and one object per operation, what a first version would write). The bench
// script includes benchWorkloads(); `deno run -A lib/workload/workload_bench.ts`
// prints the table alone. Rates are noisy on a shared machine: compare rows of
// one run, not runs.

import { parseConfig, type RunConfigInput } from "../config/mod.ts";
import { createBatch, createWorkload } from "./mod.ts";

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

if (import.meta.main) {
  for (const r of await benchWorkloads()) {
    console.log(`${(r.opsPerSecond / 1e6).toFixed(1).padStart(8)} M ops/s  ${r.name}`);
  }
}
