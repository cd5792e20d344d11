// simulate() against the bare IOMMU hot path (issue 5: at least 0.8x): the
// same work — uniform random 4 KiB writes over 1 Mi pages, a 512-entry 8-way
// IOTLB, tracking on — once through a full simulate() (workload generator,
// pre-copy loop, dirty read, verifier, setup included in the wall time) and
// once as the bare dmaBatch loop of lib/iommu/iommu_bench.ts, interleaved in
// one process; medians of the runs.

import { BATCH, ENTRIES, hotPathDomain, PAGES, runEngine, WAYS } from "../iommu/iommu_bench.ts";
import type { DmaBatch } from "../iommu/types.ts";
import { simulate } from "./simulate.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function benchSimulateVsHotPath(
  opts: { accesses?: number; runs?: number } = {},
) {
  const accesses = opts.accesses ?? 8_000_000;
  const runs = opts.runs ?? 5;
  const memory = PAGES * 4096;
  // Round 0 lasts one simulated second at `accesses` writes/s; maxRounds 1
  // then stops and copies, so the run is round 0 plus one dirty read.
  const config = {
    guest: { memory },
    iommu: { pageSize: 4096, iotlb: { entries: ENTRIES, ways: WAYS } },
    tracking: { mode: "iommu", split: "none", clearBatch: "round" },
    workload: {
      kind: "uniform",
      workingSet: memory,
      rate: accesses,
      writeFraction: 1,
      accessSize: 4096,
    },
    migration: { bandwidth: memory, maxRounds: 1, warmup: 0 },
  };
  const batch: DmaBatch = {
    iova: new Float64Array(BATCH),
    length: new Uint32Array(BATCH).fill(4096),
    write: new Uint8Array(BATCH).fill(1),
  };
  const bare = hotPathDomain(true);
  runEngine(bare, 2 * PAGES, batch, 7); // JIT and every page once
  await simulate({ ...config, workload: { ...config.workload, rate: 1e6 } });
  const simRates: number[] = [];
  const bareRates: number[] = [];
  let translations = 0;
  for (let r = 0; r < runs; r++) {
    bareRates.push(runEngine(bare, accesses, batch, 11 + r));
    const t0 = performance.now();
    const res = await simulate({ ...config, seed: r + 1 });
    const sec = (performance.now() - t0) / 1000;
    translations = res.summary.translations;
    simRates.push(translations / sec);
  }
  const sim = median(simRates), hot = median(bareRates);
  return [
    { name: "bare IOMMU hot path (dmaBatch, write log)", value: hot, unit: "accesses/s" },
    {
      name: "full simulate() (setup, workload, pre-copy, verifier)",
      value: sim,
      unit: "accesses/s",
      note: `${translations.toLocaleString("en-US")} translations a run`,
    },
    { name: "ratio simulate()/hot path", value: sim / hot, unit: "x", note: "target >= 0.8" },
  ];
}

if (import.meta.main) console.table(await benchSimulateVsHotPath());
