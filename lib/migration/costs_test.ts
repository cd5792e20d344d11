// What the cost models add to a whole simulate() run (MODEL.md §6, §12, §13),
// against numbers worked by hand: clearBatch "kernel" per vendor on a trace
// that dirties two known pages; dirty-read entries in closed form for none,
// eager and lazy splitting, and the last read in the downtime; guest DMA
// throughput recomputed from the run's own counters.

import assert from "node:assert/strict";
import { dmaThroughput } from "../cost/mod.ts";
import { DMA_FITTED } from "../config/cost_sections.ts";
import { opsBefore } from "../workload/mod.ts";
import { simulateChecked as simulate } from "./test_util.ts";
import type { SimResult } from "./types.ts";

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
/** Default costs: a descriptor, a wait; a dirty read's entry, dirty leaf, window. */
const INV = 167, WAIT = 500, ENTRY = 5, DIRTY = 30, WINDOW = 20_000;

/** A looping trace that writes 64 B at each of `iovas`, one every µs. */
async function twoPageTrace(iovas: number[]): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  const rows = iovas.map((a, i) => `${i * 1000},${a},64,1`);
  await Deno.writeTextFile(path, ["time,iova,length,write", ...rows].join("\n") + "\n");
  return path;
}

async function kernelRun(
  vendor: string,
  memory: number,
  pageSize: number,
  iovas: number[],
  migration: Record<string, unknown> = {},
): Promise<SimResult> {
  const path = await twoPageTrace(iovas);
  try {
    return await simulate({
      guest: { memory },
      iommu: { vendor, pageSize },
      tracking: { clearBatch: "kernel" },
      workload: { kind: "trace", path },
      migration: { bandwidth: "1GiB/s", warmup: 1, ...migration },
    });
  } finally {
    await Deno.remove(path);
  }
}

// One read, at the end of round 0 (8 KiB or 4 MiB pending converges), plus
// the enabling and the disabling domain flush.
Deno.test('simulate, clearBatch "kernel": hand-worked counts for each vendor', async () => {
  const near = [0, 8 * KiB];
  const cases: [string, number, number, number[], number, number, number][] = [
    // vendor, memory, page, writes, invalidations, domain flushes, ns of the read's sync
    ["intel", 64 * MiB, 4 * KiB, near, 1, 2, INV + WAIT], // one PSI of 16 KiB
    ["amd", 64 * MiB, 4 * KiB, near, 1, 2, INV + WAIT], // one 16 KiB range
    ["smmuv3", 64 * MiB, 4 * KiB, near, 0, 2, 0], // gather->pgsize 0: nothing
    ["intel", 4 * GiB, 2 * MiB, [0, 2 * GiB], 0, 3, INV + WAIT], // mask 20 > 18: DSI
    ["amd", 4 * GiB, 2 * MiB, [0, 2 * GiB], 1, 2, INV + WAIT], // one 4 GiB range
    ["smmuv3", 4 * GiB, 2 * MiB, [0, 2 * GiB], 0, 2, 0],
  ];
  for (const [vendor, memory, page, writes, inv, flushes, syncNs] of cases) {
    const r = await kernelRun(vendor, memory, page, writes);
    const what = `${vendor} ${memory}/${page}`;
    assert.equal(r.summary.rounds, 1, `${what}: one pre-copy round`);
    assert.equal(r.rounds[0].dirtyBytes, 2 * page, what);
    assert.equal(r.summary.invalidations, inv, `${what} invalidations`);
    assert.equal(r.summary.domainFlushes, flushes, `${what} domain flushes`);
    assert.equal(r.summary.invalidationNs, syncNs + 2 * (INV + WAIT), `${what} ns`);
    assert.equal(r.summary.lostWrites, 0, what);
    // The read walks every leaf (Intel, AMD: from the root; SMMUv3: the tree once).
    const leaves = memory / page, level = page === 4 * KiB ? 1 : 2;
    const entries = vendor === "smmuv3"
      ? leaves + (level === 1 ? memory / (2 * MiB) : 0) + Math.ceil(memory / GiB) + 1
      : leaves * (4 - level + 1);
    const readNs = entries * ENTRY + 2 * DIRTY + WINDOW;
    assert.equal(r.summary.dirtyReadNs, readNs, `${what} read time`);
    // The guest is paused from that read on: it and its sync are downtime.
    const copyMs = (2 * page) / GiB * 1000;
    assert.ok(
      Math.abs(r.summary.downtimeMs - (copyMs + (readNs + syncNs) / 1e6)) < 1e-9,
      `${what} downtime ${r.summary.downtimeMs}`,
    );
  }
});

Deno.test('simulate, "kernel" on smmuv3 loses writes as the source reads; "leaf" does not', async () => {
  // A downtime limit no 8 KiB fits: rounds go on, so writes follow a clear.
  const migration = { downtimeLimit: 1e-6, maxRounds: 4 };
  const unset = await kernelRun("smmuv3", 64 * MiB, 4 * KiB, [0, 8 * KiB], migration);
  // After the first clear the SMMU's TLB still holds both pages writable-dirty:
  // no later write sets a Dirty bit, the next read is empty, and pre-copy
  // "converges" with the two pages' last writes never sent.
  assert.equal(unset.rounds[1].dirtyBytes, 0);
  assert.equal(unset.summary.converged, true);
  assert.equal(unset.summary.lostWrites, 2, "checkSimResult allows it: isUnsafeClear");
  const intel = await kernelRun("intel", 64 * MiB, 4 * KiB, [0, 8 * KiB], migration);
  assert.equal(intel.summary.lostWrites, 0);
  assert.equal(intel.summary.converged, false);
  const path = await twoPageTrace([0, 8 * KiB]);
  try {
    const leaf = await simulate({
      guest: { memory: 64 * MiB },
      iommu: {
        vendor: "smmuv3",
        pageSize: 4096,
        kernelFlush: { smmuv3: { gatherPgsize: "leaf" } },
      },
      tracking: { clearBatch: "kernel" },
      workload: { kind: "trace", path },
      migration: { bandwidth: "1GiB/s", warmup: 1, ...migration },
    });
    assert.equal(leaf.summary.lostWrites, 0);
    // Three TLBI_NH_VA a read ([0, 12 KiB) at 4 KiB), one read a pre-copy round.
    assert.equal(leaf.summary.invalidations, 3 * leaf.summary.rounds);
  } finally {
    await Deno.remove(path);
  }
});

/**
 * A 1 GiB guest at 2 MiB whose device writes 64 B over 8 huge pages; a 1 ms
 * downtime limit (1 MiB) keeps pre-copy going for all 4 rounds.
 */
async function splitRun(vendor: string, split: string, extra: Record<string, unknown> = {}) {
  const r = await simulate({
    guest: { memory: GiB },
    iommu: { vendor, pageSize: "2MiB" },
    tracking: { split, clearBatch: "round" },
    workload: { kind: "uniform", workingSet: "16MiB", rate: "200k/s", accessSize: 64 },
    migration: { bandwidth: "1GiB/s", downtimeLimit: 1, maxRounds: 4, ...extra },
  });
  assert.equal(r.rounds.length, 5, `${vendor} ${split}: four pre-copy rounds`);
  return r;
}

/** Entries a read walked, from its time: (readNs − dirty leaves·30 − one window) / 5. */
const entriesOf = (readNs: number, dirtyLeaves: number) =>
  (readNs - dirtyLeaves * DIRTY - WINDOW) / ENTRY;

Deno.test("dirty reads walk M/S leaves plus their tables: eager × up to 512, lazy what it split", async () => {
  for (const vendor of ["intel", "smmuv3"]) {
    const tree = vendor === "smmuv3";
    const none = await splitRun(vendor, "none");
    const eager = await splitRun(vendor, "eager");
    const lazy = await splitRun(vendor, "lazy");
    // A read at the end of round i ≥ 1 found rounds[i].dirtyBytes in 2 MiB
    // leaves (none) or in 4 KiB ones (eager; lazy once the 8 are split).
    const nonePerRead = tree ? 512 + 1 + 1 : 512 * 3;
    const eagerPerRead = tree ? 262144 + 512 + 1 + 1 : 262144 * 4;
    // Lazy: 504 huge leaves and 8 tables of 512 small ones (a tree walk reads
    // all 512 PDEs: 504 leaves, 8 table pointers).
    const lazyPerRead = tree ? 512 + 8 * 512 + 1 + 1 : 504 * 3 + 8 * 512 * 4;
    for (let i = 1; i < none.rounds.length - 1; i++) {
      const r = none.rounds[i];
      assert.equal(entriesOf(r.readNs, r.dirtyBytes / (2 * MiB)), nonePerRead, `${vendor} none`);
    }
    for (let i = 1; i < eager.rounds.length - 1; i++) {
      const r = eager.rounds[i];
      assert.equal(entriesOf(r.readNs, r.dirtyBytes / 4096), eagerPerRead, `${vendor} eager`);
    }
    for (let i = 1; i < lazy.rounds.length - 1; i++) {
      const r = lazy.rounds[i];
      assert.equal(entriesOf(r.readNs, r.dirtyBytes / 4096), lazyPerRead, `${vendor} lazy`);
    }
    // The consequence: eager's last read is 5.4 ms of downtime on Intel
    // (1.4 ms walking the tree once on SMMUv3), 4 × as much at 4 GiB;
    // lazy's about 0.15 ms and 0.08 ms, much of it the iova_bitmap window.
    const lastRead = (r: SimResult) => r.rounds[r.rounds.length - 2].readNs;
    assert.ok(eagerPerRead / nonePerRead >= (tree ? 510 : 680), `${vendor} ratio`);
    assert.ok(lastRead(eager) > 10 * lastRead(lazy), `${vendor}: eager reads cost more`);
    assert.ok(eager.summary.downtimeMs > lastRead(eager) / 1e6, "downtime holds the read");
  }
});

Deno.test("overheadDelaysRound: each pre-copy read and its flush lengthen the next round", async () => {
  const r = await splitRun("intel", "eager", { overheadDelaysRound: true });
  const bandwidth = GiB;
  for (let i = 1; i < r.rounds.length; i++) {
    const prev = r.rounds[i - 1];
    // clearBatch "round": one domain flush after a read that cleared anything.
    const flushNs = prev.dirtyBytes > 0 ? INV + WAIT : 0;
    const expected = (r.rounds[i].bytesSent / bandwidth) * 1000 + (prev.readNs + flushNs) / 1e6;
    assert.ok(
      Math.abs(r.rounds[i].durationMs - expected) < 1e-9,
      `round ${i}: ${r.rounds[i].durationMs} vs ${expected}`,
    );
  }
  // Without it only the stop-and-copy is longer than its bytes.
  const off = await splitRun("intel", "eager");
  for (let i = 1; i < off.rounds.length - 1; i++) {
    const x = off.rounds[i];
    assert.ok(Math.abs(x.durationMs - (x.bytesSent / bandwidth) * 1000) < 1e-9);
  }
});

Deno.test("guest DMA throughput: the cost model on the run's own counters; eager splitting slows 64 B DMA", async () => {
  const warmupMs = 200, rate = 200_000;
  for (const split of ["none", "eager", "lazy"]) {
    const r = await splitRun("intel", split);
    const s = r.summary;
    // The tracked phase: from the warm-up's end to the stop-and-copy (no DMA there).
    const endNs = (warmupMs + r.rounds[r.rounds.length - 1].startMs) * 1e6;
    const requests = opsBefore(endNs, rate) - opsBefore(warmupMs * 1e6, rate);
    const expected = dmaThroughput({
      baseLatencyNs: DMA_FITTED.baseLatencyNs,
      inFlight: 32,
      linkBandwidthBytesPerS: 7.2e9,
      iotlbHitNs: 2,
      memoryAccessNs: 100,
      pageWalkers: DMA_FITTED.pageWalkers,
    }, {
      requests,
      payloadBytes: requests * 64,
      translations: s.translations,
      iotlbMisses: s.iotlbMisses,
      walkMemoryAccesses: s.walkMemoryAccesses,
    });
    assert.ok(
      Math.abs(s.dmaThroughput / expected.throughputBytesPerS - 1) < 1e-5,
      `${split}: ${s.dmaThroughput} vs ${expected.throughputBytesPerS}`,
    );
    // No IOMMU: the device's window alone, N·64 B / base latency.
    const noIommu = (32 * 64) / (DMA_FITTED.baseLatencyNs * 1e-9);
    assert.ok(Math.abs(s.dmaThroughputNoIommu / noIommu - 1) < 1e-12, split);
    assert.equal(r.rounds[r.rounds.length - 1].dmaThroughput, 0, "no DMA in the stop-and-copy");
    for (const x of r.rounds.slice(0, -1)) assert.ok(x.dmaThroughput > 0);
    if (split === "none") {
      assert.ok(Math.abs(s.guestDmaSlowdown) < 0.02, `none ${s.guestDmaSlowdown}`);
    }
    // 8 huge pages become 4096 small ones: a 64-entry IOTLB misses nearly
    // always, and the page walker bounds the rate.
    if (split === "eager") {
      assert.ok(s.guestDmaSlowdown > 0.5, `eager ${s.guestDmaSlowdown}`);
      assert.equal(expected.limit, "walker");
    }
  }
});
