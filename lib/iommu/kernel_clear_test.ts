// clearBatch "kernel" in a real domain, each vendor against counts worked by
// hand from the drivers (lib/cost/README.md §2): one gather per read, one sync,
// its invalidations applied to the IOTLB and charged commands × invalidationNs
// + waits × waitNs (167 and 500 ns by default), domain records as domain
// flushes. SMMUv3 as the source reads issues nothing, and so loses writes.

import assert from "node:assert/strict";
import type { VendorName } from "../hw/mod.ts";
import type { ClearPolicy } from "./clear_policy.ts";
import type { KernelFlushKnobs } from "./kernel_flush.ts";
import { testDomain } from "./test_util.ts";

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
const INV = 167, WAIT = 500;

const KNOBS: KernelFlushKnobs = {
  intel: { pageSelective: true, mamv: 18 },
  smmuv3: { rangeInvalidation: false, gatherPgsize: "unset", asidFallback: true },
  amd: { npCache: false },
};

function domain(
  vendor: VendorName,
  memory: number,
  pageSize: number,
  knobs: KernelFlushKnobs = KNOBS,
) {
  const clear: ClearPolicy = { kind: "kernel", knobs };
  const d = testDomain({ vendor, memory, pageSize, clear });
  d.map(0, memory, pageSize);
  d.setDirtyTracking(true);
  return d;
}

/** Writes `iovas`, reads and clears [0, memory), returns the read's counters. */
function writeAndRead(d: ReturnType<typeof domain>, memory: number, iovas: number[]) {
  for (const a of iovas) d.dma(a, 64, true);
  const s0 = d.stats();
  const bm = d.getDirtyBitmap({ iova: 0, length: memory, pageSize: 4096 });
  const s = d.stats();
  return {
    bm,
    invalidations: s.invalidations - s0.invalidations,
    domainFlushes: s.domainFlushes - s0.domainFlushes,
    invalidationNs: s.invalidationNs - s0.invalidationNs,
  };
}

const bit = (bm: Uint8Array, page: number) => (bm[page >> 3] >> (page & 7)) & 1;

Deno.test("kernel on intel: two 4 KiB leaves 8 KiB apart, one PSI of 16 KiB and one wait", () => {
  const d = domain("intel", 64 * MiB, 4 * KiB);
  d.dma(16 * KiB, 64, false); // a cached, clean leaf outside the flushed range
  const r = writeAndRead(d, 64 * MiB, [0, 8 * KiB]);
  // [0, 12 KiB): 3 pages → 4 aligned pages at 0 (mask 2).
  assert.deepEqual(
    [r.invalidations, r.domainFlushes, r.invalidationNs],
    [1, 0, INV + WAIT],
  );
  // The PSI dropped pages 0 and 2 but kept page 4's entry: a hit, not a walk.
  const s0 = d.stats();
  d.dma(16 * KiB, 64, false);
  d.dma(0, 64, false);
  const s = d.stats();
  assert.deepEqual([s.iotlbHits - s0.iotlbHits, s.iotlbMisses - s0.iotlbMisses], [1, 1]);
});

Deno.test("kernel on intel: two dirty leaves 2 GiB apart, mask 20 > MAMV 18, one domain flush", () => {
  const memory = 4 * GiB;
  const r = writeAndRead(domain("intel", memory, 2 * MiB), memory, [0, 2 * GiB]);
  assert.deepEqual([r.invalidations, r.domainFlushes, r.invalidationNs], [0, 1, INV + WAIT]);
  assert.equal(bit(r.bm, 0) + bit(r.bm, (2 * GiB) / 4096), 2);
});

Deno.test("kernel on intel: a read that cleared nothing still flushes the domain", () => {
  const d = domain("intel", 64 * MiB, 2 * MiB);
  const r = writeAndRead(d, 64 * MiB, []);
  assert.deepEqual([r.invalidations, r.domainFlushes], [0, 1]);
  const noClear = d.stats();
  d.getDirtyBitmap({ iova: 0, length: 64 * MiB, pageSize: 4096, noClear: true });
  assert.equal(d.stats().domainFlushes, noClear.domainFlushes, "NO_CLEAR: no sync");
});

Deno.test("kernel on amd: 8 KiB apart is one 16 KiB range, 2 GiB apart one 4 GiB range", () => {
  const near = writeAndRead(domain("amd", 64 * MiB, 4 * KiB), 64 * MiB, [0, 8 * KiB]);
  // build_inv_address(0, 12 KiB): msb_diff = fls(0x2fff) − 1 = 13, 2^14 bytes.
  assert.deepEqual([near.invalidations, near.domainFlushes, near.invalidationNs], [
    1,
    0,
    INV + WAIT,
  ]);
  const memory = 4 * GiB;
  const far = writeAndRead(domain("amd", memory, 2 * MiB), memory, [0, 2 * GiB]);
  // No mask limit: [0, 2 GiB + 2 MiB) has msb_diff 31, one 4 GiB command.
  assert.deepEqual([far.invalidations, far.domainFlushes, far.invalidationNs], [
    1,
    0,
    INV + WAIT,
  ]);
});

Deno.test("kernel on smmuv3 as upstream reads: no invalidation, so a later write is lost", () => {
  const d = domain("smmuv3", 64 * MiB, 4 * KiB);
  const r = writeAndRead(d, 64 * MiB, [0, 8 * KiB]);
  assert.deepEqual([r.invalidations, r.domainFlushes, r.invalidationNs], [0, 0, 0]);
  assert.equal(bit(r.bm, 0) + bit(r.bm, 2), 2);
  // The IOTLB still says writable-dirty: the write sets no Dirty bit.
  const again = writeAndRead(d, 64 * MiB, [0]);
  assert.equal(bit(again.bm, 0), 0, "the second write to page 0 was not reported");
});

Deno.test("kernel on smmuv3 with the leaf size recorded: one TLBI a granule, then the ASID", () => {
  const leaf = { ...KNOBS, smmuv3: { ...KNOBS.smmuv3, gatherPgsize: "leaf" as const } };
  const d = domain("smmuv3", 64 * MiB, 4 * KiB, leaf);
  const r = writeAndRead(d, 64 * MiB, [0, 8 * KiB]);
  // [0, 12 KiB) at a 4 KiB granule: 3 TLBI_NH_VA and one CMD_SYNC.
  assert.deepEqual([r.invalidations, r.domainFlushes, r.invalidationNs], [3, 0, 3 * INV + WAIT]);
  const again = writeAndRead(d, 64 * MiB, [0]);
  assert.equal(bit(again.bm, 0), 1, "invalidated: the write is seen");
  // 2 GiB apart at 4 KiB leaves: 2^19 + 1 granules ≥ 512, one TLBI_NH_ASID.
  const memory = 4 * GiB;
  const far = writeAndRead(domain("smmuv3", memory, 4 * KiB, leaf), memory, [0, 2 * GiB]);
  assert.deepEqual([far.invalidations, far.domainFlushes, far.invalidationNs], [
    0,
    1,
    INV + WAIT,
  ]);
});
