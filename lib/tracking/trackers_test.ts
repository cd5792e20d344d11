// Huge-page inflation (MODEL.md §7, seed 4.a/4.b): one write per 2 MiB region
// tracked at 2 MiB reports 2 MiB / 4 KiB = 512 times the bytes of the same
// writes tracked at 4 KiB; eager split reports the 4 KiB figure; lazy split
// pays the 2 MiB figure once per region, then 4 KiB figures. Device-side
// tracking: exact at its page size, over-reports when its ring is full.

import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { createDomain } from "../iommu/mod.ts";
import { domainOptions } from "./domain_options.ts";
import { createTracker } from "./trackers.ts";
import { mergeRanges } from "./device.ts";
import { WriteLog } from "./write_log.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const REGIONS = 32;

function setup(input: Record<string, unknown>) {
  const config = parseConfig({ guest: { memory: 64 * MiB }, ...input });
  const domain = createDomain(domainOptions(config));
  domain.map(0, config.guest.memory, config.iommu.pageSize);
  const log = new WriteLog(config.guest.memory / 4096, { report: true });
  const tracker = createTracker({ config, domain, log });
  domain.attachWriteLog(log.marks);
  tracker.start();
  /** One 64-byte write in each 2 MiB region, at 4 KiB page `page` of it. */
  const writeEachRegion = (page: number) => {
    for (let r = 0; r < REGIONS; r++) domain.dma(r * 2 * MiB + page * 4096 + 128, 64, true);
  };
  return { domain, tracker, writeEachRegion };
}

Deno.test("one write per 2 MiB region: tracking at 2 MiB reports 512x the 4 KiB bytes", () => {
  const huge = setup({ iommu: { pageSize: "2MiB" }, tracking: { split: "none" } });
  huge.writeEachRegion(5);
  const small = setup({ iommu: { pageSize: "4KiB" }, tracking: { split: "none" } });
  small.writeEachRegion(5);
  const h = huge.tracker.report().dirtyBytes;
  const s = small.tracker.report().dirtyBytes;
  assert.equal(s, REGIONS * 4096);
  assert.equal(h, REGIONS * 2 * MiB);
  assert.equal(h / s, 512);
});

Deno.test("eager split reports the 4 KiB figure from the first round", () => {
  const t = setup({ iommu: { pageSize: "2MiB" }, tracking: { split: "eager" } });
  t.writeEachRegion(7);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 4096);
  assert.equal(t.domain.stats().splits, 32, "64 MiB of 2 MiB leaves, each split once");
});

Deno.test("lazy split pays 2 MiB once per region, then 4 KiB", () => {
  const t = setup({ iommu: { pageSize: "2MiB" }, tracking: { split: "lazy" } });
  t.writeEachRegion(1);
  assert.equal(
    t.tracker.report().dirtyBytes,
    REGIONS * 2 * MiB,
    "first dirtying: whole huge pages",
  );
  assert.equal(t.domain.stats().splits, REGIONS, "each dirty region split after its report");
  t.writeEachRegion(2);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 4096, "later rounds: 4 KiB");
  t.writeEachRegion(3);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 4096);
  assert.equal(t.domain.stats().splits, REGIONS, "no further splits");
});

Deno.test("lazy split with lazyThreshold 2 waits for a second dirty read", () => {
  const t = setup({ iommu: { pageSize: "2MiB" }, tracking: { split: "lazy", lazyThreshold: 2 } });
  t.writeEachRegion(1);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 2 * MiB);
  assert.equal(t.domain.stats().splits, 0);
  t.writeEachRegion(2);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 2 * MiB);
  assert.equal(t.domain.stats().splits, REGIONS);
  t.writeEachRegion(3);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 4096);
});

Deno.test("device tracking: exact at its page size, no split, no flush", () => {
  const t = setup({ iommu: { pageSize: "2MiB" }, tracking: { mode: "device" } });
  const before = t.domain.stats();
  t.writeEachRegion(4);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 4096);
  assert.equal(t.tracker.report().dirtyBytes, 0, "a report clears the log");
  const after = t.domain.stats();
  assert.equal(after.splits, before.splits);
  assert.equal(
    after.invalidations + after.domainFlushes,
    before.invalidations + before.domainFlushes,
  );
});

Deno.test("device tracking at 2 MiB device pages reports whole device pages", () => {
  const t = setup({
    iommu: { pageSize: "4KiB" },
    tracking: { mode: "device", device: { pageSize: "2MiB" } },
  });
  t.writeEachRegion(4);
  assert.equal(t.tracker.report().dirtyBytes, REGIONS * 2 * MiB);
});

Deno.test("device ring: a full ring over-reports every tracked page", () => {
  const ring = (entries: number) =>
    setup({ tracking: { mode: "device", device: { log: "ring", ringEntries: entries } } });
  const fits = ring(REGIONS);
  fits.writeEachRegion(0);
  assert.equal(fits.tracker.report().dirtyBytes, REGIONS * 4096);
  const full = ring(REGIONS - 1);
  full.writeEachRegion(0);
  assert.equal(full.tracker.report().dirtyBytes, 64 * MiB, "overflow: all 64 MiB tracked");
});

Deno.test("mergeRanges joins across the smallest gaps first (mlx5), and rejects overlap", () => {
  const r = (start: number, end: number) => ({ start, end });
  assert.deepEqual(mergeRanges([r(0, 10), r(12, 20), r(100, 110), r(111, 120)], 2), [
    r(0, 20),
    r(100, 120),
  ]);
  assert.deepEqual(mergeRanges([r(0, 10), r(12, 20), r(100, 110)], 1), [r(0, 110)]);
  assert.deepEqual(mergeRanges([r(5, 6)], 256), [r(5, 6)]);
  assert.throws(() => mergeRanges([r(0, 10), r(5, 20)], 4), /overlapping ranges/);
});

Deno.test("tracking none: every mapped page is dirty at every read", () => {
  const t = setup({ tracking: { mode: "none" } });
  assert.equal(t.tracker.report().dirtyBytes, 64 * MiB);
  assert.equal(t.tracker.report().dirtyBytes, 64 * MiB);
});
