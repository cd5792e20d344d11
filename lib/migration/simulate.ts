// One run (MODEL.md §10): guest memory mapped 1:1, a DMA workload, dirty
// tracking and a QEMU-like pre-copy: round 0 sends all memory, each boundary
// reads and clears the dirty set, then sends it, until it fits bandwidth ×
// downtime limit or maxRounds. The clock lives here; DMA throughput and read
// time (§12, §13) are priced from each phase's counters (lib/cost), never per access.

import { parseConfig, type RunConfig } from "../config/mod.ts";
import { createDomain, diffStats } from "../iommu/mod.ts";
import type { DmaBatch, Domain, IommuStats } from "../iommu/mod.ts";
import { createTracker, domainOptions, WriteLog } from "../tracking/mod.ts";
import { createWorkload } from "../workload/mod.ts";
import type { WorkloadGenerator } from "../workload/types.ts";
import {
  diffDmaCounters,
  dirtyReadNs,
  dirtyReadWorkOf,
  type DmaCounters,
  dmaThroughput,
  dmaThroughputNoIommu,
  type DmaTiming,
  dmaTimingFromConfig,
} from "../cost/mod.ts";
import type { RoundRecord, SimResult, Summary } from "./types.ts";
import { Verifier } from "./verifier.ts";

/**
 * Operations a fill hands the domain. Small enough that the batch's arrays
 * (13 bytes an operation) stay in L1/L2 beside the page table and the write
 * log: 4,096 ran simulate() ~7 % faster than 65,536 (paired rounds, issue 15).
 * Results do not depend on it (the golden points are the same for both).
 */
export const SIM_BATCH = 1 << 12;
const NS_PER_MS = 1e6;

const rate = (misses: number, translations: number) => translations > 0 ? misses / translations : 0;

/**
 * The counters a phase's costs need at one instant: the domain's, and the DMA
 * model's (the workload's requests and bytes beside the domain's translation
 * counters); a phase's are after − before (diffStats, diffDmaCounters).
 */
interface Sample {
  stats: IommuStats;
  dma: DmaCounters;
}

/** Payload bytes/s of a phase by `model`; a phase without requests has none (0). */
function throughput(
  model: typeof dmaThroughput,
  timing: DmaTiming,
  c: DmaCounters,
): number {
  return c.requests > 0 ? model(timing, c).throughputBytesPerS : 0;
}

/** Runs the workload through the domain until simulated time `untilNs`. */
function runner(domain: Domain, workload: WorkloadGenerator) {
  const batch: DmaBatch = {
    iova: new Float64Array(SIM_BATCH),
    length: new Uint32Array(SIM_BATCH),
    write: new Uint8Array(SIM_BATCH),
  };
  return (untilNs: number) => {
    for (;;) {
      const n = workload.fill(batch, untilNs);
      if (n > 0) domain.dmaBatch(batch, n);
      if (n < SIM_BATCH) return;
    }
  };
}

export interface SimulateOptions {
  /** Called after each round with its record (for progress displays). */
  onRound?: (round: RoundRecord) => void;
}

/** Simulates one run of `input` (a config, validated and defaulted here). */
export async function simulate(
  input: unknown = {},
  options: SimulateOptions = {},
): Promise<SimResult> {
  const config: RunConfig = parseConfig(input);
  const memory = config.guest.memory;
  const bandwidth = config.migration.bandwidth; // bytes/s
  const thresholdBytes = bandwidth * config.migration.downtimeLimit / 1000;

  const domain = createDomain(domainOptions(config));
  domain.map(0, memory, config.iommu.pageSize);
  const log = new WriteLog(memory / 4096, { report: config.tracking.mode === "device" });
  const tracker = createTracker({ config, domain, log });
  domain.attachWriteLog(log.marks);
  const workload = await createWorkload(config.workload, {
    seed: config.seed,
    guestMemory: memory,
  });
  const runUntil = runner(domain, workload);
  const verifier = new Verifier(log);
  const timing = dmaTimingFromConfig(config.dma, config.iommu.costs.memoryAccessNs);
  const sample = (): Sample => {
    const stats = domain.stats();
    const dma: DmaCounters = {
      requests: workload.issued,
      payloadBytes: workload.issuedBytes,
      translations: stats.translations,
      iotlbMisses: stats.iotlbMisses,
      walkMemoryAccesses: stats.walkMemoryAccesses,
    };
    return { stats, dma };
  };
  const readNsOf = (d: IommuStats) => dirtyReadNs(dirtyReadWorkOf(d), config.iommu.dirtyRead);

  // Warm-up without tracking: the guest's baseline miss rate and DMA throughput.
  let nowNs = config.migration.warmup * NS_PER_MS;
  const s0 = sample();
  runUntil(nowNs);
  const warm = sample();
  const sWarm = warm.stats;
  const baseline = diffStats(sWarm, s0.stats);

  // Tracking starts startBefore ahead of migration (seed 4.b: at
  // provisioning). Meanwhile the dirty set is read every readInterval and at
  // migration start, so lazy splitting happens before migration; the data is
  // not sent, as round 0 sends everything. With startBefore 0 there is no
  // read: enabling tracking has just cleared every D bit.
  const trackingStart = sample();
  tracker.start();
  const migrationStartAt = nowNs + config.tracking.startBefore * NS_PER_MS;
  const readEveryNs = config.tracking.readInterval * NS_PER_MS;
  while (nowNs < migrationStartAt) {
    nowNs = Math.min(nowNs + readEveryNs, migrationStartAt);
    runUntil(nowNs);
    tracker.report();
  }
  verifier.copyAll();

  const migrationStartNs = nowNs;
  const rounds: RoundRecord[] = [];
  let pending = memory;
  // The last boundary's read and flush time (the read, its invalidations,
  // the splits it led to): downtime after the last read, and with
  // overheadDelaysRound a delay of the next pre-copy round.
  let boundaryNs = 0;
  let converged = false;
  let bytesTransferred = 0;
  /** Records a round of `d`'s work over [startNs, endNs) that sent bytesSent. */
  const record = (
    round: number,
    startNs: number,
    endNs: number,
    dirtyBytes: number,
    d: IommuStats,
    dma: DmaCounters,
    stopAndCopy: boolean,
  ) => {
    const rec: RoundRecord = {
      round,
      startMs: (startNs - migrationStartNs) / NS_PER_MS,
      durationMs: (endNs - startNs) / NS_PER_MS,
      bytesSent: pending,
      dirtyBytes,
      translations: d.translations,
      iotlbMisses: d.iotlbMisses,
      invalidations: d.invalidations,
      domainFlushes: d.domainFlushes,
      splits: d.splits,
      pageTableBytes: d.pageTableBytes,
      dmaThroughput: throughput(dmaThroughput, timing, dma),
      readNs: readNsOf(d),
      stopAndCopy,
    };
    rounds.push(rec);
    options.onRound?.(rec);
    bytesTransferred += pending;
  };
  for (let round = 0;; round++) {
    const startNs = nowNs;
    if (round > 0 && (pending <= thresholdBytes || round >= config.migration.maxRounds)) {
      converged = pending <= thresholdBytes;
      // The VM is paused from the last read on: that read and its flush are
      // downtime (MODEL.md §13).
      nowNs += pending / bandwidth * 1e9 + boundaryNs;
      // Tracking stops once the copy is done (collapse, the disabling flush);
      // its work is recorded with the stop-and-copy, where no DMA runs.
      const before = sample();
      tracker.stop();
      const after = sample();
      record(
        round,
        startNs,
        nowNs,
        0,
        diffStats(after.stats, before.stats),
        diffDmaCounters(after.dma, before.dma),
        true,
      );
      break;
    }
    // Round 0 also carries the work of tracking start (eager splits, the
    // enabling flush, provisioning reads), so the rounds add up to the summary.
    const a = round === 0 ? trackingStart : sample();
    nowNs += pending / bandwidth * 1e9 + (config.migration.overheadDelaysRound ? boundaryNs : 0);
    runUntil(nowNs);
    const b0 = domain.stats();
    const report = tracker.report();
    verifier.copy(report.bitmap);
    const z = sample();
    const boundary = diffStats(z.stats, b0);
    boundaryNs = readNsOf(boundary) + boundary.invalidationNs;
    record(
      round,
      startNs,
      nowNs,
      report.dirtyBytes,
      diffStats(z.stats, a.stats),
      diffDmaCounters(z.dma, a.dma),
      false,
    );
    pending = report.dirtyBytes;
  }
  const end = sample();
  const tracked = diffStats(end.stats, sWarm);
  const trackedDma = diffDmaCounters(end.dma, warm.dma);
  const dmaBaseline = throughput(dmaThroughput, timing, diffDmaCounters(warm.dma, s0.dma));
  const dmaTracked = throughput(dmaThroughput, timing, trackedDma);

  const summary: Summary = {
    iotlbMissRate: rate(tracked.iotlbMisses, tracked.translations),
    iotlbMissRateBaseline: rate(baseline.iotlbMisses, baseline.translations),
    bytesTransferred,
    dirtyBytesTransferred: bytesTransferred - memory,
    rounds: rounds.length - 1,
    converged,
    downtimeMs: rounds[rounds.length - 1].durationMs,
    migrationMs: (nowNs - migrationStartNs) / NS_PER_MS,
    invalidations: tracked.invalidations,
    domainFlushes: tracked.domainFlushes,
    invalidationNs: tracked.invalidationNs,
    splits: tracked.splits,
    collapses: tracked.collapses,
    pageTableBytesPeak: tracked.pageTableBytesPeak,
    walkMemoryAccesses: tracked.walkMemoryAccesses,
    translations: tracked.translations,
    iotlbMisses: tracked.iotlbMisses,
    lostWrites: verifier.lostWrites(),
    dmaThroughput: dmaTracked,
    dmaThroughputBaseline: dmaBaseline,
    dmaThroughputNoIommu: throughput(dmaThroughputNoIommu, timing, trackedDma),
    guestDmaSlowdown: dmaBaseline > 0 ? 1 - dmaTracked / dmaBaseline : 0,
    dirtyReadNs: readNsOf(tracked),
  };
  return { config, summary, rounds };
}
