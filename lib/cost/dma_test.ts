// The DMA timing model by hand: Little's law for the device window, the page
// walker and the link, the limit that binds, no IOMMU as the latency floor,
// and counters that subtract (per round = end − start).

import assert from "node:assert/strict";
import {
  diffDmaCounters,
  type DmaCounters,
  dmaThroughput,
  dmaThroughputNoIommu,
  type DmaTiming,
  meanLatencyNs,
} from "./dma.ts";

const T: DmaTiming = {
  baseLatencyNs: 500,
  inFlight: 32,
  linkBandwidthBytesPerS: 8e9,
  iotlbHitNs: 2,
  memoryAccessNs: 100,
  pageWalkers: 4,
};

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a / b - 1) < 1e-12, `${what}: ${a} vs ${b}`);

Deno.test("dma: all hits, device-bound: N × bytes / (base + hit)", () => {
  const c: DmaCounters = {
    requests: 1000,
    payloadBytes: 64_000,
    translations: 1000,
    iotlbMisses: 0,
    walkMemoryAccesses: 0,
  };
  close(meanLatencyNs(T, c), 502, "latency");
  const e = dmaThroughput(T, c);
  assert.equal(e.limit, "device");
  close(e.throughputBytesPerS, (32 * 64) / 502e-9, "throughput");
  // No IOMMU: base latency only.
  close(dmaThroughputNoIommu(T, c).throughputBytesPerS, (32 * 64) / 500e-9, "no-iommu");
});

Deno.test("dma: half the requests miss with 4-access walks: the walker binds", () => {
  // 1000 requests, 500 misses, 2000 walk accesses: latency 500 + 500·2/1000
  // + 2000·100/1000 = 701 ns; device 32/701 ns = 45.6 M/s; walker
  // 4 / (200 ns a request) = 20 M/s; link 8e9/64 = 125 M/s.
  const c: DmaCounters = {
    requests: 1000,
    payloadBytes: 64_000,
    translations: 1000,
    iotlbMisses: 500,
    walkMemoryAccesses: 2000,
  };
  close(meanLatencyNs(T, c), 701, "latency");
  const e = dmaThroughput(T, c);
  assert.equal(e.limit, "walker");
  close(e.requestsPerS, 20e6, "rate");
  close(e.throughputBytesPerS, 20e6 * 64, "throughput");
});

Deno.test("dma: large requests are link-bound; the no-IOMMU variant too", () => {
  const c: DmaCounters = {
    requests: 100,
    payloadBytes: 100 * 4096,
    translations: 100,
    iotlbMisses: 0,
    walkMemoryAccesses: 0,
  };
  const e = dmaThroughput(T, c);
  assert.equal(e.limit, "link");
  close(e.throughputBytesPerS, 8e9, "link");
  assert.equal(dmaThroughputNoIommu(T, c).limit, "link");
});

Deno.test("dma: a request spanning pages pays each translation", () => {
  // 10 requests of 8 KiB, 2 translations each, all hits: 500 + 2·2 ns.
  const c: DmaCounters = {
    requests: 10,
    payloadBytes: 10 * 8192,
    translations: 20,
    iotlbMisses: 0,
    walkMemoryAccesses: 0,
  };
  close(meanLatencyNs(T, c), 504, "latency");
});

Deno.test("dma: counters subtract; empty or inconsistent input is an error", () => {
  const a: DmaCounters = {
    requests: 10,
    payloadBytes: 640,
    translations: 10,
    iotlbMisses: 3,
    walkMemoryAccesses: 12,
  };
  const b: DmaCounters = {
    requests: 4,
    payloadBytes: 256,
    translations: 4,
    iotlbMisses: 1,
    walkMemoryAccesses: 4,
  };
  assert.deepEqual(diffDmaCounters(a, b), {
    requests: 6,
    payloadBytes: 384,
    translations: 6,
    iotlbMisses: 2,
    walkMemoryAccesses: 8,
  });
  assert.throws(() => dmaThroughput(T, { ...a, requests: 0 }), /no requests/);
  assert.throws(() => dmaThroughput(T, { ...a, iotlbMisses: 11 }), /misses > /);
  assert.throws(() => dmaThroughput({ ...T, inFlight: 0 }, a), /inFlight = 0/);
});
