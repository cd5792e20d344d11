// Checks of the migration model against numbers from outside it: the pre-copy
// closed form (Liu et al., HPDC 2011; Akoush et al., MASCOTS 2010 — FACTS.md
// §5) with the occupancy expectation for saturation, the huge-page inflation
// factor (2 MiB / 4 KiB = 512), the IOTLB reach of split mappings, and the
// lost-write defect of clearing Dirty bits without an IOTLB flush.

import assert from "node:assert/strict";
import fc from "fast-check";
import { simulateChecked as simulate } from "./test_util.ts";
import type { SimResult } from "./types.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

function near(actual: number, expected: number, relTol: number, what: string) {
  const err = Math.abs(actual - expected) / expected;
  assert.ok(
    err <= relTol,
    `${what}: ${actual} vs expected ${expected.toFixed(1)} (error ${(err * 100).toFixed(2)}% > ${
      relTol * 100
    }%)`,
  );
}

/** Expected distinct 4 KiB pages written by `writes` uniform writes over W pages. */
const occupancy = (W: number, writes: number) => W * (1 - Math.pow(1 - 1 / W, writes));

/** The closed-form recursion V_{i+1} = P·N(V_i / R), stopping as pre-copy does. */
function predictRounds(M: number, R: number, D: number, W: number, thresholdBytes: number) {
  const V = [M];
  for (;;) {
    const t = V[V.length - 1] / R;
    const next = 4096 * occupancy(W, Math.floor(D * t));
    V.push(next);
    if (next <= thresholdBytes) return V;
  }
}

const base4k = {
  iommu: { pageSize: "4KiB" },
  tracking: { mode: "iommu", split: "none", clearBatch: "round" },
  migration: { warmup: 0 },
};

Deno.test("pre-copy, unsaturated: V_i = M·λ^i, total = M(1 − λ^{n+1})/(1 − λ)", async () => {
  // λ = D·P/R = 16384·4096 / 1 GiB = 1/16; V_th = R·T = 1 GiB/s × 10 ms.
  const M = 4 * GiB, R = GiB, D = 16384, T = 10;
  const r = await simulate({
    ...base4k,
    guest: { memory: M },
    workload: { kind: "uniform", workingSet: M, rate: D, writeFraction: 1, accessSize: 4096 },
    migration: { bandwidth: R, downtimeLimit: T, warmup: 0 },
  });
  const lambda = (D * 4096) / R;
  const Vth = R * T / 1000;
  const n = Math.ceil(Math.log(Vth / M) / Math.log(lambda));
  assert.equal(n, 3);
  assert.equal(r.summary.rounds, n, "pre-copy rounds (round 0 included)");
  assert.ok(r.summary.converged);
  const sent = r.rounds.map((x) => x.bytesSent);
  // The linear model ignores rewrites of a page within a round, which the
  // occupancy expectation counts: at D·t/W = 1/16 it is 3% high for V_1.
  near(sent[1], M * lambda, 0.05, "V_1");
  near(sent[2], M * lambda ** 2, 0.05, "V_2");
  near(
    r.summary.bytesTransferred,
    (M * (1 - lambda ** (n + 1))) / (1 - lambda),
    0.02,
    "total bytes",
  );
  // downtime = V_n / R with V_n = M·λ^n (1 MiB: about 256 pages, so Poisson noise of ~6 %),
  // plus the last read, with the guest paused: the Intel driver walks 4
  // entries for each of the M / 4 KiB leaves (MODEL.md §13, default costs).
  const last = r.rounds[n - 1];
  const dirtyLeaves = last.dirtyBytes / 4096;
  assert.equal(last.readNs, (M / 4096) * 4 * 5 + dirtyLeaves * 30 + 20_000);
  near(
    r.summary.downtimeMs - last.readNs / 1e6,
    ((M * lambda ** n) / R) * 1000,
    0.15,
    "downtime = M·λ^n / R + the last read",
  );
  near(r.rounds[1].durationMs, ((M * lambda) / R) * 1000, 0.05, "T_1 = V_1 / R");
  assert.equal(r.summary.lostWrites, 0);
});

Deno.test("pre-copy, saturating: V_{i+1} = P·W(1 − (1 − 1/W)^{D·V_i/R})", async () => {
  // 32,768 writes over 16,384 pages in round 0: the dirty set saturates.
  const M = GiB, R = 256 * MiB, D = 8192, W = 64 * MiB, T = 10;
  const r = await simulate({
    ...base4k,
    guest: { memory: M },
    workload: { kind: "uniform", workingSet: W, rate: D, writeFraction: 1, accessSize: 4096 },
    migration: { bandwidth: R, downtimeLimit: T, warmup: 0 },
  });
  const V = predictRounds(M, R, D, W / 4096, (R * T) / 1000);
  const sent = r.rounds.map((x) => x.bytesSent);
  assert.equal(r.rounds.length, V.length, `rounds ${sent} vs predicted ${V.map(Math.round)}`);
  near(sent[1], V[1], 0.02, "V_1 (saturated)");
  near(sent[2], V[2], 0.05, "V_2");
  near(sent[3], V[3], 0.15, "V_3 (about 200 pages: Poisson noise)");
  // The linear model would predict 2·W here, twice what saturation allows.
  assert.ok(sent[1] < W, "the dirty set cannot exceed the working set");
});

async function sim(overrides: Record<string, unknown>): Promise<SimResult> {
  return await simulate(overrides);
}

Deno.test("IOTLB cost of splitting: a working set that fits at 2 MiB but not at 4 KiB", async () => {
  const common = {
    guest: { memory: 256 * MiB },
    iommu: { pageSize: "2MiB", iotlb: { entries: 64, ways: 64 } },
    workload: { kind: "uniform", workingSet: 64 * MiB, rate: "1M/s", writeFraction: 0.5 },
    migration: { bandwidth: GiB, warmup: 100 },
  };
  const eager = await sim({ ...common, tracking: { split: "eager" } });
  const none = await sim({ ...common, tracking: { split: "none" } });
  // 32 leaves of 2 MiB fit 64 entries: only cold misses before tracking.
  assert.ok(
    eager.summary.iotlbMissRateBaseline < 0.001,
    `baseline ${eager.summary.iotlbMissRateBaseline}`,
  );
  // Only the 32 cold misses of the 100 ms x 1M/s = 100,000 warm-up accesses.
  assert.equal(eager.summary.iotlbMissRateBaseline, 32 / 100_000);
  // 16,384 pages of 4 KiB over 64 entries: 1 − C/N = 0.996 (fully associative LRU).
  near(eager.summary.iotlbMissRate, 1 - 64 / 16384, 0.01, "miss rate after eager split");
  assert.ok(none.summary.iotlbMissRate < 0.001);
  // Eager splits each 2 MiB leaf of the guest once, at tracking start; the
  // domain's splits are to 4 KiB in one step (no 1 GiB leaves to go through).
  assert.equal(eager.summary.splits, common.guest.memory / (2 * MiB), "one split a 2 MiB leaf");
  assert.ok(eager.summary.dirtyBytesTransferred < none.summary.dirtyBytesTransferred);
});

Deno.test("tracking mode none resends all memory every round and cannot converge", async () => {
  const r = await sim({
    guest: { memory: 256 * MiB },
    tracking: { mode: "none" },
    workload: { workingSet: 8 * MiB, rate: 1000 },
    migration: { bandwidth: 256 * MiB, maxRounds: 4, warmup: 0 },
  });
  assert.equal(r.summary.converged, false);
  assert.equal(r.summary.rounds, 4);
  assert.deepEqual(r.rounds.map((x) => x.bytesSent), Array(5).fill(256 * MiB));
  assert.equal(r.summary.lostWrites, 0);
});

Deno.test("clearing Dirty bits without an IOTLB flush loses writes", async () => {
  const cfg = (unsafeSkipFlush: boolean) => ({
    guest: { memory: 64 * MiB },
    iommu: { pageSize: "4KiB", iotlb: { entries: 64, ways: 64 } },
    tracking: { clearBatch: 1, unsafeSkipFlush },
    // 32 pages, all cached in the IOTLB with D set: later writes hit and set
    // nothing. The 100 us limit (26 KB) forces a round after the first clear.
    workload: { workingSet: 128 * KiB, rate: "100k/s", writeFraction: 1 },
    migration: { bandwidth: 256 * MiB, downtimeLimit: "100us", warmup: 10 },
  });
  const unsafe = await sim(cfg(true));
  assert.ok(unsafe.summary.lostWrites > 0, "unsafeSkipFlush must lose writes");
  assert.ok(unsafe.summary.rounds >= 2, "a pre-copy round ran after the first clear");
  const safe = await sim(cfg(false));
  assert.equal(safe.summary.lostWrites, 0);
});

Deno.test("property: every safe configuration loses no write, on many seeds", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        seed: fc.integer({ min: 0, max: 1e6 }),
        pageSize: fc.constantFrom("4KiB", "2MiB"),
        split: fc.constantFrom("none", "eager", "lazy"),
        clearBatch: fc.constantFrom<number | string>(1, 3, 64, "round"),
        mode: fc.constantFrom("iommu", "iommu", "iommu", "device", "none"),
        kind: fc.constantFrom("uniform", "zipf", "stream", "ring"),
        startBefore: fc.constantFrom(0, 0, 7, 30),
        lazyThreshold: fc.integer({ min: 1, max: 3 }),
        collapseAfter: fc.boolean(),
        deviceLog: fc.constantFrom("bitmap", "ring"),
        ringEntries: fc.constantFrom(16, 4096),
      }),
      async (p) => {
        const r = await simulate({
          seed: p.seed,
          guest: { memory: 32 * MiB },
          iommu: { pageSize: p.pageSize, iotlb: { entries: 16, ways: 4 } },
          tracking: {
            mode: p.mode,
            split: p.split,
            clearBatch: p.clearBatch,
            startBefore: p.startBefore,
            readInterval: 5,
            lazyThreshold: p.lazyThreshold,
            collapseAfter: p.collapseAfter,
            device: { log: p.deviceLog, ringEntries: p.ringEntries },
          },
          workload: {
            kind: p.kind,
            workingSet: 4 * MiB,
            rate: "200k/s",
            writeFraction: 0.7,
            ...(p.kind === "ring" ? { buffers: 64, bufferSize: "16KiB" } : {}),
          },
          migration: { bandwidth: 64 * MiB, downtimeLimit: 5, maxRounds: 6, warmup: 5 },
        });
        assert.equal(r.summary.lostWrites, 0, JSON.stringify(p));
      },
    ),
    { numRuns: 40, seed: 42 },
  );
});

Deno.test("same config and seed give identical results; another seed differs", async () => {
  const cfg = {
    seed: 7,
    guest: { memory: 64 * MiB },
    tracking: { split: "lazy" },
    workload: { kind: "zipf", workingSet: 16 * MiB, rate: "500k/s" },
    migration: { bandwidth: 128 * MiB, downtimeLimit: 10, warmup: 10 },
  };
  const a = JSON.stringify(await simulate(cfg));
  const b = JSON.stringify(await simulate(cfg));
  assert.equal(a, b);
  assert.notEqual(a, JSON.stringify(await simulate({ ...cfg, seed: 8 })));
});

Deno.test("round records: round 0 first, stop-and-copy last, totals add up", async () => {
  const r = await sim({
    guest: { memory: 128 * MiB },
    workload: { workingSet: 16 * MiB, rate: "200k/s" },
    migration: { bandwidth: 256 * MiB, warmup: 10 },
  });
  assert.equal(r.rounds[0].round, 0);
  assert.equal(r.rounds[0].bytesSent, 128 * MiB);
  const last = r.rounds[r.rounds.length - 1];
  assert.equal(last.stopAndCopy, true);
  assert.ok(r.rounds.slice(0, -1).every((x) => !x.stopAndCopy));
  assert.equal(r.summary.bytesTransferred, r.rounds.reduce((s, x) => s + x.bytesSent, 0));
  assert.equal(r.summary.dirtyBytesTransferred, r.summary.bytesTransferred - 128 * MiB);
  for (let i = 1; i < r.rounds.length; i++) {
    assert.equal(
      r.rounds[i].bytesSent,
      r.rounds[i - 1].dirtyBytes,
      "a round sends what the last read found",
    );
    near(r.rounds[i].startMs, r.rounds[i - 1].startMs + r.rounds[i - 1].durationMs, 1e-9, "clock");
  }
  assert.equal(r.summary.downtimeMs, last.durationMs);
});

Deno.test("startBefore: lazy splitting at provisioning pays the huge pages before migration", async () => {
  const cfg = (startBefore: number) => ({
    guest: { memory: 256 * MiB },
    iommu: { pageSize: "2MiB" },
    tracking: { split: "lazy", startBefore },
    workload: { kind: "zipf", s: 1.2, scatter: false, workingSet: 64 * MiB, rate: "200k/s" },
    migration: { bandwidth: 256 * MiB, downtimeLimit: 10, warmup: 10 },
  });
  const late = await sim(cfg(0));
  const early = await sim(cfg(500));
  // Regions dirtied while provisioning are split before migration, so round
  // 0's dirty set is partly at 4 KiB; without startBefore every region the
  // workload touches (all 32) is reported whole.
  assert.equal(late.rounds[0].dirtyBytes, 64 * MiB);
  assert.ok(early.summary.splits > 0);
  assert.ok(
    early.rounds[0].dirtyBytes < late.rounds[0].dirtyBytes * 0.6,
    `round 0 dirty: ${early.rounds[0].dirtyBytes} (startBefore) vs ${late.rounds[0].dirtyBytes}`,
  );
  assert.ok(early.summary.dirtyBytesTransferred < late.summary.dirtyBytesTransferred);
  assert.equal(early.summary.lostWrites, 0);
});

Deno.test("startBefore with lazyThreshold 2: periodic reads split before migration", async () => {
  const cfg = (startBefore: number) => ({
    guest: { memory: 256 * MiB },
    iommu: { pageSize: "2MiB" },
    tracking: { split: "lazy", lazyThreshold: 2, startBefore, readInterval: 100 },
    workload: { kind: "zipf", s: 1.2, scatter: false, workingSet: 64 * MiB, rate: "200k/s" },
    migration: { bandwidth: 256 * MiB, downtimeLimit: 10, warmup: 10 },
  });
  const late = await sim(cfg(0));
  const early = await sim(cfg(1000)); // 10 reads before migration
  assert.equal(late.rounds[0].dirtyBytes, 64 * MiB);
  assert.ok(early.rounds[0].splits > 0, "splits happen during provisioning, counted in round 0");
  assert.ok(early.rounds[0].dirtyBytes < late.rounds[0].dirtyBytes * 0.6);
});

Deno.test("the rounds add up to the summary's flush and split work", async () => {
  const r = await sim({
    guest: { memory: 128 * MiB },
    iommu: { pageSize: "2MiB" },
    tracking: { split: "eager", clearBatch: 8 },
    workload: { workingSet: 16 * MiB, rate: "200k/s" },
    migration: { bandwidth: 256 * MiB, downtimeLimit: 5, warmup: 10 },
  });
  const sum = (k: "invalidations" | "domainFlushes" | "splits") =>
    r.rounds.reduce((s, x) => s + x[k], 0);
  assert.equal(sum("splits"), r.summary.splits);
  assert.equal(sum("invalidations"), r.summary.invalidations);
  assert.equal(sum("domainFlushes"), r.summary.domainFlushes);
});

Deno.test("run keys use a version that hashes the engine sources", async () => {
  const { engineSourceVersion } = await import("./version.ts");
  const { engineVersion, DEFAULT_ENGINE } = await import("../sweep/engine.ts");
  const v = await engineSourceVersion();
  assert.match(v, /^\d+\.\d+\.\d+\+src\.[0-9a-f]{12}$/);
  assert.equal(await engineVersion(DEFAULT_ENGINE), v, "the sweep salts run keys with it");
});
