// Guest DMA throughput (MODEL.md §12): a closed-loop timing model of the
// device on top of the counters the engine already keeps. A request pays a
// base latency plus its translations (an IOTLB hit costs iotlbHitNs, a miss
// its walk: the memory accesses the engine counts, at memoryAccessNs each).
// Three limits, each Little's law for one resource: the device keeps at most
// `inFlight` requests outstanding (rate ≤ N / mean latency), the IOMMU's page
// walker keeps at most `pageWalkers` walks outstanding (rate ≤ P / mean walk
// time a request), and the link carries at most its payload bandwidth.
// Computed from counters of a phase or round, never per access.

/** The device's request loop and the translation path as it sees it. */
export interface DmaTiming {
  /** Latency of one request without any translation cost, ns. */
  baseLatencyNs: number;
  /** Requests the device keeps outstanding (N in Little's law). */
  inFlight: number;
  /** Payload bytes per second the link can carry at most. */
  linkBandwidthBytesPerS: number;
  /** Added latency of a translation that hits the IOTLB, ns. */
  iotlbHitNs: number;
  /** Latency of one IOMMU memory access (walk read or A/D update), ns. */
  memoryAccessNs: number;
  /** Walks the IOMMU keeps in progress at once (effective; may be fractional). */
  pageWalkers: number;
}

/** The counters of one phase or round that the model needs (subtractable). */
export interface DmaCounters {
  /** DMA operations issued by the device. */
  requests: number;
  /** Bytes they carried. */
  payloadBytes: number;
  /** Translations (an access spanning pages costs one a page). */
  translations: number;
  iotlbMisses: number;
  /** IOMMU memory accesses: walk reads and A/D updates (IommuStats.walkMemoryAccesses). */
  walkMemoryAccesses: number;
}

/** Which resource set the rate: the device's window, the walker, or the link. */
export type DmaLimit = "device" | "walker" | "link";

export interface DmaEstimate {
  /** Payload bytes per second. */
  throughputBytesPerS: number;
  /** Requests per second. */
  requestsPerS: number;
  /** Mean latency of one request, ns. */
  meanLatencyNs: number;
  limit: DmaLimit;
}

function checkTiming(t: DmaTiming): void {
  const positive: (keyof DmaTiming)[] = [
    "baseLatencyNs",
    "inFlight",
    "linkBandwidthBytesPerS",
    "pageWalkers",
  ];
  for (const k of positive) {
    if (!(t[k] > 0) || !Number.isFinite(t[k])) {
      throw new Error(`dma timing: ${k} = ${t[k]} must be > 0`);
    }
  }
  for (const k of ["iotlbHitNs", "memoryAccessNs"] as const) {
    if (!(t[k] >= 0) || !Number.isFinite(t[k])) {
      throw new Error(`dma timing: ${k} = ${t[k]} must be >= 0`);
    }
  }
}

function checkCounters(c: DmaCounters): void {
  for (const [k, v] of Object.entries(c)) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`dma counters: ${k} = ${v} must be >= 0`);
  }
  if (c.requests === 0) throw new Error("dma counters: no requests (throughput of an empty phase)");
  if (c.iotlbMisses > c.translations) {
    throw new Error(`dma counters: ${c.iotlbMisses} misses > ${c.translations} translations`);
  }
}

/** Mean latency of one request, ns: base + hits × hit cost + walk accesses × access cost. */
export function meanLatencyNs(t: DmaTiming, c: DmaCounters): number {
  checkTiming(t);
  checkCounters(c);
  const hits = c.translations - c.iotlbMisses;
  return t.baseLatencyNs +
    (hits * t.iotlbHitNs + c.walkMemoryAccesses * t.memoryAccessNs) / c.requests;
}

function estimate(t: DmaTiming, c: DmaCounters, latencyNs: number, walkNsPerRequest: number) {
  const bytesPerRequest = c.payloadBytes / c.requests;
  const rates: [number, DmaLimit][] = [
    [t.inFlight / (latencyNs * 1e-9), "device"],
    [walkNsPerRequest > 0 ? t.pageWalkers / (walkNsPerRequest * 1e-9) : Infinity, "walker"],
    [bytesPerRequest > 0 ? t.linkBandwidthBytesPerS / bytesPerRequest : Infinity, "link"],
  ];
  let [requestsPerS, limit] = rates[0];
  for (const [r, l] of rates) if (r < requestsPerS) [requestsPerS, limit] = [r, l];
  return {
    throughputBytesPerS: requestsPerS * bytesPerRequest,
    requestsPerS,
    meanLatencyNs: latencyNs,
    limit,
  };
}

/**
 * The device's throughput with the IOMMU translating: the least of
 * N / latency (device window), P / walk time per request (walker) and the
 * link's payload bandwidth, in requests/s times the mean request size.
 */
export function dmaThroughput(t: DmaTiming, c: DmaCounters): DmaEstimate {
  const latencyNs = meanLatencyNs(t, c);
  return estimate(t, c, latencyNs, (c.walkMemoryAccesses * t.memoryAccessNs) / c.requests);
}

/** The same workload with no IOMMU at all: no translation cost, no walker. */
export function dmaThroughputNoIommu(t: DmaTiming, c: DmaCounters): DmaEstimate {
  checkTiming(t);
  checkCounters(c);
  return estimate(t, c, t.baseLatencyNs, 0);
}

/** after − before for DmaCounters (per round = end − start). */
export function diffDmaCounters(after: DmaCounters, before: DmaCounters): DmaCounters {
  return {
    requests: after.requests - before.requests,
    payloadBytes: after.payloadBytes - before.payloadBytes,
    translations: after.translations - before.translations,
    iotlbMisses: after.iotlbMisses - before.iotlbMisses,
    walkMemoryAccesses: after.walkMemoryAccesses - before.walkMemoryAccesses,
  };
}

/** The `dma` config section (lib/config/cost_sections.ts) plus iommu.costs.memoryAccessNs. */
export function dmaTimingFromConfig(
  dma: {
    baseLatencyNs: number;
    inFlight: number;
    linkBandwidth: number;
    iotlbHitNs: number;
    pageWalkers: number;
  },
  memoryAccessNs: number,
): DmaTiming {
  return {
    baseLatencyNs: dma.baseLatencyNs,
    inFlight: dma.inFlight,
    linkBandwidthBytesPerS: dma.linkBandwidth,
    iotlbHitNs: dma.iotlbHitNs,
    memoryAccessNs,
    pageWalkers: dma.pageWalkers,
  };
}
