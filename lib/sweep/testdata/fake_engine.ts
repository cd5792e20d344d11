// A stand-in for lib/migration/mod.ts that the sweep tests load into their
// workers: `simulate(input)` validates like the engine, then derives every
// metric and round from a hash of the effective config, so results are
// deterministic per point and cheap. Some configs act up on purpose:
// seed 13 throws (a failing point), seed 14 crashes its worker (an uncaught
// error outside the call), and seed 1000 + k sleeps k ms before answering (a
// slow point, for kill and resume tests).

import { canonicalJson, parseConfig, sha256Hex } from "../../config/mod.ts";
import type { RoundRecord, SimResult, Summary } from "../../migration/types.ts";

/** Not the real engine's version, so run keys never collide with real runs. */
export const ENGINE_VERSION = "fake-1";
export const FAILING_SEED = 13;
export const CRASHING_SEED = 14;
export const SLOW_SEED_BASE = 1000;

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
  if (config.seed >= SLOW_SEED_BASE) {
    await new Promise((r) => setTimeout(r, config.seed - SLOW_SEED_BASE));
  }
  const hash = await sha256Hex(canonicalJson(config));
  const random = prng(parseInt(hash.slice(0, 8), 16));
  const memory = config.guest.memory;
  const page = config.iommu.pageSize;
  const n = 2 + Math.floor(random() * 5);
  const rounds: RoundRecord[] = [];
  let startMs = 0;
  let sent = 0;
  for (let i = 0; i < n; i++) {
    const stopAndCopy = i === n - 1;
    const bytesSent = i === 0 ? memory : page * (1 + Math.floor(random() * 64));
    // The stop-and-copy also lasts the last read (as the engine's downtime).
    const lastReadNs = stopAndCopy ? rounds[i - 1].readNs : 0;
    const durationMs = bytesSent / config.migration.bandwidth * 1000 + lastReadNs / 1e6;
    const translations = 1000 + Math.floor(random() * 9000);
    rounds.push({
      round: i,
      startMs,
      durationMs,
      bytesSent,
      dirtyBytes: i === 0 ? 0 : bytesSent,
      translations,
      iotlbMisses: Math.floor(translations * random() * 0.2),
      invalidations: Math.floor(random() * 100),
      domainFlushes: 0,
      splits: config.tracking.split === "none" ? 0 : Math.floor(random() * 10),
      pageTableBytes: 4096 * (1 + Math.floor(random() * 32)),
      dmaThroughput: stopAndCopy ? 0 : 1e9 * (0.5 + random()),
      readNs: stopAndCopy ? 0 : Math.floor(random() * 1e6),
      stopAndCopy,
    });
    startMs += durationMs;
    sent += bytesSent;
  }
  const sum = (k: keyof RoundRecord) => rounds.reduce((s, r) => s + (r[k] as number), 0);
  const translations = sum("translations");
  const iotlbMisses = sum("iotlbMisses");
  const dmaBaseline = 1e9 * (0.5 + random());
  const dmaTracked = dmaBaseline * (1 - random() * 0.3);
  const summary: Summary = {
    iotlbMissRate: iotlbMisses / translations,
    iotlbMissRateBaseline: random() * 0.05,
    bytesTransferred: sent,
    dirtyBytesTransferred: sent - memory,
    rounds: n,
    converged: random() < 0.8,
    downtimeMs: rounds[n - 1].durationMs,
    migrationMs: startMs,
    invalidations: sum("invalidations"),
    domainFlushes: Math.floor(random() * 5),
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
  return { config, summary, rounds };
}
