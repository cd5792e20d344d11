// A stand-in for lib/migration/mod.ts that the sweep tests load into their
// workers: simulate(input) validates like the engine and runs the engine's
// pre-copy loop with dirty sets drawn from a hash of the config, so results
// are cheap and deterministic, and keep the engine's rules (checkSimResult).
// Seed 13 throws, 14 crashes its worker, 1000 + k sleeps k ms first, 100000 +
// k keeps its thread busy k ms first (as a real point does: no await yields).
import { canonicalJson, parseConfig, sha256Hex } from "../config/mod.ts";
import {
  checkSimResult,
  type RoundRecord,
  type SimResult,
  type Summary,
} from "../migration/mod.ts";

/** Not the real engine's version, so run keys never collide with real runs. */
export const ENGINE_VERSION = "fake-2";
export const FAILING_SEED = 13;
export const CRASHING_SEED = 14;
export const SLOW_SEED_BASE = 1000;
export const BUSY_SEED_BASE = 100_000;

/** A small PRNG (mulberry32) seeded from the config hash. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The engine's loop (simulate.ts) on made-up dirty sets: round 0 sends all
 * memory; each round's read finds some tracking granules of the working set
 * dirty (fewer as rounds get shorter), which the next round sends; switch
 * over when that fits bandwidth × downtime limit, or stop at maxRounds (a
 * 1 GiB granule never fits). The stop-and-copy runs no DMA.
 */
export async function simulate(input: unknown = {}): Promise<SimResult> {
  const config = parseConfig(input);
  if (config.seed === FAILING_SEED) {
    throw new Error(`fake engine: seed ${FAILING_SEED} fails on purpose`);
  }
  if (config.seed === CRASHING_SEED) {
    setTimeout(() => {
      throw new Error(`fake engine: seed ${CRASHING_SEED} crashes its worker (on purpose)`);
    }, 0);
    return new Promise(() => {});
  }
  if (config.seed >= BUSY_SEED_BASE) {
    const until = performance.now() + (config.seed - BUSY_SEED_BASE);
    while (performance.now() < until) { /* busy */ }
  } else if (config.seed >= SLOW_SEED_BASE) {
    await new Promise((r) => setTimeout(r, config.seed - SLOW_SEED_BASE));
  }
  const hash = await sha256Hex(canonicalJson(config));
  const random = prng(parseInt(hash.slice(0, 8), 16));
  const memory = config.guest.memory;
  const { bandwidth, downtimeLimit, maxRounds } = config.migration;
  const thresholdBytes = bandwidth * downtimeLimit / 1000;
  const granule = config.tracking.split === "none"
    ? config.iommu.pageSize
    : config.tracking.splitTo;
  const granules = Math.max(1, Math.floor(Math.min(memory, config.workload.workingSet) / granule));
  const rounds: RoundRecord[] = [];
  let startMs = 0;
  let pending = memory;
  let converged = false;
  for (let round = 0;; round++) {
    const stopAndCopy = round > 0 && (pending <= thresholdBytes || round >= maxRounds);
    // The stop-and-copy also lasts the last read, as the engine's downtime does.
    const lastReadNs = stopAndCopy ? rounds[round - 1].readNs : 0;
    const durationMs = pending / bandwidth * 1000 + lastReadNs / 1e6;
    const translations = stopAndCopy ? 0 : 1000 + Math.floor(random() * 9000);
    const dirtyBytes = stopAndCopy
      ? 0
      : granule * Math.min(granules, 1 + Math.floor(random() * granules * 0.6 ** round));
    rounds.push({
      round,
      startMs,
      durationMs,
      bytesSent: pending,
      dirtyBytes,
      translations,
      iotlbMisses: Math.floor(translations * random() * 0.2),
      invalidations: Math.floor(random() * 100),
      domainFlushes: Math.floor(random() * 3),
      splits: config.tracking.split === "none" || stopAndCopy ? 0 : Math.floor(random() * 10),
      pageTableBytes: 4096 * (1 + Math.floor(random() * 32)),
      // Derived, not drawn, so the other fields keep their values.
      dmaThroughput: stopAndCopy ? 0 : 1e9 + translations * 1e4,
      readNs: stopAndCopy ? 0 : 20_000 + (dirtyBytes / granule) * 30,
      stopAndCopy,
    });
    startMs += durationMs;
    if (stopAndCopy) {
      converged = pending <= thresholdBytes;
      break;
    }
    pending = dirtyBytes;
  }
  const sum = (k: keyof RoundRecord) => rounds.reduce((s, r) => s + (r[k] as number), 0);
  const translations = sum("translations");
  const iotlbMisses = sum("iotlbMisses");
  const sent = sum("bytesSent");
  const dmaBaseline = 2e9;
  const dmaTracked = dmaBaseline * (1 - (translations > 0 ? iotlbMisses / translations : 0) / 2);
  const summary: Summary = {
    iotlbMissRate: translations > 0 ? iotlbMisses / translations : 0,
    iotlbMissRateBaseline: random() * 0.05,
    bytesTransferred: sent,
    dirtyBytesTransferred: sent - memory,
    rounds: rounds.length - 1,
    converged,
    downtimeMs: rounds[rounds.length - 1].durationMs,
    migrationMs: startMs,
    invalidations: sum("invalidations"),
    domainFlushes: sum("domainFlushes"),
    invalidationNs: sum("invalidations") * 667,
    splits: sum("splits"),
    collapses: 0,
    pageTableBytesPeak: Math.max(...rounds.map((r) => r.pageTableBytes)),
    walkMemoryAccesses: iotlbMisses * 4,
    translations,
    iotlbMisses,
    lostWrites: config.tracking.unsafeSkipFlush ? Math.floor(random() * 10) : 0,
    dmaThroughput: dmaTracked,
    dmaThroughputBaseline: dmaBaseline,
    dmaThroughputNoIommu: dmaBaseline * 1.1,
    guestDmaSlowdown: 1 - dmaTracked / dmaBaseline,
    dirtyReadNs: sum("readNs"),
  };
  // The same rules every real result keeps, or the tests on top prove nothing.
  return checkSimResult({ config, summary, rounds });
}
