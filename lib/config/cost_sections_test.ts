// The cost models' config sections at the boundary: their defaults (the two
// fitted DMA values among them), units for the link bandwidth, and strict
// keys and bounds, as every other section of the run config.

import assert from "node:assert/strict";
import {
  dirtyReadSection,
  DMA_FITTED,
  dmaTimingSection,
  kernelFlushSection,
} from "./cost_sections.ts";

Deno.test("cost sections: defaults, with the fitted DMA values", () => {
  assert.deepEqual(dmaTimingSection.parse({}), {
    inFlight: 32,
    baseLatencyNs: DMA_FITTED.baseLatencyNs,
    linkBandwidth: 7.2e9,
    iotlbHitNs: 2,
    pageWalkers: DMA_FITTED.pageWalkers,
  });
  assert.deepEqual(dirtyReadSection.parse({}), {
    entryReadNs: 5,
    dirtyLeafNs: 30,
    windowNs: 20_000,
  });
  assert.equal(kernelFlushSection.parse({}).intel.mamv, 18);
});

Deno.test("cost sections: units and strictness at the boundary", () => {
  assert.equal(dmaTimingSection.parse({ linkBandwidth: "10Gbit/s" }).linkBandwidth, 1.25e9);
  assert.equal(dmaTimingSection.safeParse({ linkBandwidth: "fast" }).success, false);
  assert.equal(dmaTimingSection.safeParse({ inflight: 8 }).success, false);
  assert.equal(dmaTimingSection.safeParse({ inFlight: 0 }).success, false);
  assert.equal(kernelFlushSection.safeParse({ intel: { mamv: 64 } }).success, false);
  assert.equal(kernelFlushSection.safeParse({ smmuv3: { gatherPgsize: "maybe" } }).success, false);
});
