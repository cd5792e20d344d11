// Hand-worked counts from the drivers' rules (kernel_flush.ts design note):
// every expected value below is worked out from the C in the comment, not
// from the implementation.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  calculatePsiAlignedAddress,
  DOMAIN_SPAN,
  type KernelFlushKnobs,
  KernelGather,
  kernelIotlbSync,
} from "./kernel_flush.ts";
import { alignedCover } from "./invalidation.ts";
import { kernelFlushSection } from "../config/cost_sections.ts";

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
const DEFAULTS: KernelFlushKnobs = kernelFlushSection.parse({});
const knobs = (patch: {
  intel?: Partial<KernelFlushKnobs["intel"]>;
  smmuv3?: Partial<KernelFlushKnobs["smmuv3"]>;
  amd?: Partial<KernelFlushKnobs["amd"]>;
}): KernelFlushKnobs => ({
  intel: { ...DEFAULTS.intel, ...patch.intel },
  smmuv3: { ...DEFAULTS.smmuv3, ...patch.smmuv3 },
  amd: { ...DEFAULTS.amd, ...patch.amd },
});

function gather(...leaves: [number, number][]): KernelGather {
  const g = new KernelGather();
  for (const [iova, size] of leaves) g.addRange(iova, size);
  return g;
}

Deno.test("kernel flush: defaults are MAMV 18, PSI on, SMMUv3 without RIL and pgsize unset, AMD bare metal", () => {
  assert.deepEqual(DEFAULTS, {
    intel: { pageSelective: true, mamv: 18 },
    smmuv3: { rangeInvalidation: false, gatherPgsize: "unset", asidFallback: true },
    amd: { npCache: false },
  });
});

Deno.test("gather: one range from the lowest to the highest cleared byte, end inclusive", () => {
  const g = gather([0x12000, 4096], [0x10000, 4096]);
  assert.equal(g.start, 0x10000);
  assert.equal(g.end, 0x12fff);
  assert.equal(g.pgsize, 0); // add_range never sets pgsize
  assert.equal(g.added, 2);
  g.reset();
  assert.ok(g.empty);
});

Deno.test("intel: two dirty 4 KiB leaves 8 KiB apart: one PSI of 16 KiB, one wait", () => {
  // [0x10000, 0x12fff]: aligned_nrpages = 3, roundup → 4, mask 2; pfn 0x10
  // is 4-aligned, so 16 KiB at 0x10000.
  const s = kernelIotlbSync("intel", DEFAULTS, gather([0x10000, 4096], [0x12000, 4096]));
  assert.deepEqual(s.invalidations, [
    { kind: "page-range", iova: 0x10000, length: 16 * KiB, commands: 1, leafOnly: true },
  ]);
  assert.equal(s.commands, 1);
  assert.equal(s.waits, 1);
});

Deno.test("intel: an unaligned run grows the mask until one aligned block holds both ends", () => {
  // [0x13000, 0x15fff]: 3 pages → mask 2, but pfn 0x13 & 3 ≠ 0; end_pfn
  // 0x15; ~(0x13 ^ 0x15) & ~3 has its lowest bit at 3 → 8 pages (32 KiB) at 0x10000.
  const s = kernelIotlbSync("intel", DEFAULTS, gather([0x13000, 4096], [0x15000, 4096]));
  assert.deepEqual(s.invalidations[0], {
    kind: "page-range",
    iova: 0x10000,
    length: 32 * KiB,
    commands: 1,
    leafOnly: true,
  });
});

Deno.test("intel: two dirty leaves 2 GiB apart: mask 20 > MAMV 18, one domain flush", () => {
  const s = kernelIotlbSync("intel", DEFAULTS, gather([0, 4096], [2 * GiB, 4096]));
  assert.deepEqual(s.invalidations, [
    { kind: "domain", iova: 0, length: DOMAIN_SPAN, commands: 1, leafOnly: false },
  ]);
  assert.match(s.rule, /mask 20 > MAMV 18/);
  assert.equal(s.waits, 1);
});

Deno.test("intel: MAMV is the edge: 2^18 aligned pages is a PSI, one page more is a DSI", () => {
  const psi = kernelIotlbSync("intel", DEFAULTS, gather([GiB, 4096], [2 * GiB - 4096, 4096]));
  assert.equal(psi.invalidations[0].kind, "page-range");
  assert.equal(psi.invalidations[0].length, GiB); // mask 18
  const dsi = kernelIotlbSync("intel", DEFAULTS, gather([GiB, 4096], [2 * GiB, 4096]));
  assert.equal(dsi.invalidations[0].kind, "domain");
  // [1 GiB, 2 GiB + 4 KiB): 2^18 + 1 pages round up to mask 19, but pfn
  // 0x40000 is not 2^19-aligned and the run carries into bit 19 of the pfn:
  // the shared bits start at 20, a 4 GiB block at 0. MAMV 20 takes it as a PSI.
  const wide = kernelIotlbSync(
    "intel",
    knobs({ intel: { mamv: 20 } }),
    gather([GiB, 4096], [2 * GiB, 4096]),
  );
  assert.deepEqual(
    [wide.invalidations[0].kind, wide.invalidations[0].iova, wide.invalidations[0].length],
    ["page-range", 0, 4 * GiB],
  );
  assert.match(dsi.rule, /mask 20 > MAMV 18/);
  // No PSI capability: always a DSI.
  const nopsi = kernelIotlbSync(
    "intel",
    knobs({ intel: { pageSelective: false } }),
    gather([0, 4096]),
  );
  assert.equal(nopsi.invalidations[0].kind, "domain");
});

Deno.test("intel: a 2 MiB dirty leaf is a PSI of mask 9", () => {
  const s = kernelIotlbSync("intel", DEFAULTS, gather([4 * MiB, 2 * MiB]));
  assert.deepEqual([s.invalidations[0].iova, s.invalidations[0].length], [4 * MiB, 2 * MiB]);
  assert.match(s.rule, /mask 9/);
});

Deno.test("intel: a read that cleared nothing still flushes the domain (ULONG_MAX..0 gives mask 53)", () => {
  // cache_tag_flush_range(ULONG_MAX, 0): aligned_nrpages(0xfff.., 2) = 2,
  // pfn 0x000f_ffff_ffff_ffff is odd, end_pfn = pfn + 1 carries into bit 52:
  // shared bits start at 53 > MAMV.
  const s = kernelIotlbSync("intel", DEFAULTS, new KernelGather());
  assert.equal(s.invalidations[0].kind, "domain");
  assert.match(s.rule, /mask 53/);
});

Deno.test("intel: calculate_psi_aligned_address is the smallest aligned power-of-two cover", () => {
  // The same rule as alignedCover (invalidation.ts), checked on random runs.
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1 << 20 }),
      fc.integer({ min: 1, max: 1 << 12 }),
      (p, n) => {
        const start = p * 4096, end = (p + n) * 4096;
        const r = calculatePsiAlignedAddress(BigInt(start), BigInt(end - 1));
        const c = alignedCover(start, end);
        return Number(r.addr) === c.start && Number(r.pages) * 4096 === c.size;
      },
    ),
  );
});

Deno.test("smmuv3: upstream leaves gather->pgsize 0 after a dirty read, so the sync issues nothing", () => {
  const s = kernelIotlbSync("smmuv3", DEFAULTS, gather([0, 4096], [8192, 4096]));
  assert.deepEqual(s.invalidations, []);
  assert.equal(s.commands, 0);
  assert.equal(s.waits, 0);
  assert.match(s.rule, /pgsize == 0/);
});

Deno.test("smmuv3 without RIL: one TLBI a granule up to 511, then the whole ASID", () => {
  const leaf = knobs({ smmuv3: { gatherPgsize: "leaf" } });
  // [0, 0x2fff]: 3 granules → 3 commands, one CMD_SYNC.
  const three = kernelIotlbSync("smmuv3", leaf, gather([0, 4096], [0x2000, 4096]));
  assert.deepEqual(three.invalidations, [
    { kind: "page-range", iova: 0, length: 3 * 4096, commands: 3, leafOnly: true },
  ]);
  assert.equal(three.waits, 1);
  // 511 granules: still per granule (511 < 1 << (12 − 3) = 512).
  const g511 = gather([0x100000, 4096], [0x100000 + 510 * 4096, 4096]);
  assert.equal(kernelIotlbSync("smmuv3", leaf, g511).commands, 511);
  // 512 granules (2 MiB): one TLBI_NH_ASID (no Leaf flag: walk caches go too).
  const g512 = gather([0x100000, 4096], [0x100000 + 511 * 4096, 4096]);
  const asid = kernelIotlbSync("smmuv3", leaf, g512);
  assert.deepEqual(asid.invalidations, [
    { kind: "domain", iova: 0, length: DOMAIN_SPAN, commands: 1, leafOnly: false },
  ]);
  assert.equal(asid.waits, 1);
  // Without the fallback (the iotlb_sync path of v6.11): 512 commands.
  const noFallback = knobs({ smmuv3: { gatherPgsize: "leaf", asidFallback: false } });
  assert.equal(kernelIotlbSync("smmuv3", noFallback, g512).commands, 512);
  // 2 MiB leaves: the limit is 1 << (21 − 3) granules; two leaves 2 GiB apart → 1025 commands.
  const huge = kernelIotlbSync("smmuv3", leaf, gather([0, 2 * MiB], [2 * GiB, 2 * MiB]), 2 * MiB);
  assert.equal(huge.commands, 1025);
});

Deno.test("smmuv3 with RIL: num × 2^scale pages a command, 5 bits of num at a time", () => {
  const ril = knobs({ smmuv3: { gatherPgsize: "leaf", rangeInvalidation: true } });
  // 33 pages: scale 0, num 1 (one page at 0); then 32 pages: scale 5, num 1.
  const s33 = kernelIotlbSync("smmuv3", ril, gather([0, 4096], [32 * 4096, 4096]));
  assert.deepEqual(
    s33.invalidations.map((i) => [i.iova, i.length]),
    [[0, 4096], [4096, 32 * 4096]],
  );
  assert.equal(s33.waits, 1);
  // 31 pages: one command (num 31); 2^20 pages (4 GiB): one command (scale 20).
  assert.equal(kernelIotlbSync("smmuv3", ril, gather([0, 31 * 4096])).commands, 1);
  assert.equal(
    kernelIotlbSync("smmuv3", ril, gather([0, 4096], [4 * GiB - 4096, 4096])).commands,
    1,
  );
  // 0b1_00001_00001 pages = 1057: three commands (1, 32, 1024 pages).
  assert.equal(kernelIotlbSync("smmuv3", ril, gather([0, 1057 * 4096])).commands, 3);
});

Deno.test("smmuv3: a read that cleared nothing issues nothing, whatever gatherPgsize says", () => {
  const leaf = knobs({ smmuv3: { gatherPgsize: "leaf" } });
  assert.equal(kernelIotlbSync("smmuv3", leaf, new KernelGather()).commands, 0);
});

Deno.test("amd: one INVALIDATE_IOMMU_PAGES over the power-of-two block holding both ends", () => {
  // [0x10000, 0x12fff]: msb_diff = fls64(0x12fff ^ 0x10000) − 1 = 13 → 16 KiB at 0x10000.
  const s = kernelIotlbSync("amd", DEFAULTS, gather([0x10000, 4096], [0x12000, 4096]));
  assert.deepEqual(s.invalidations, [
    { kind: "page-range", iova: 0x10000, length: 16 * KiB, commands: 1, leafOnly: false },
  ]);
  assert.equal(s.waits, 1);
  // [0x13000, 0x15fff]: 0x15fff ^ 0x13000 = 0x6fff → msb_diff 14 → 32 KiB at 0x10000.
  const u = kernelIotlbSync("amd", DEFAULTS, gather([0x13000, 4096], [0x15000, 4096]));
  assert.deepEqual([u.invalidations[0].iova, u.invalidations[0].length], [0x10000, 32 * KiB]);
  // One page: no S bit.
  const one = kernelIotlbSync("amd", DEFAULTS, gather([0x7000, 4096]));
  assert.deepEqual([one.invalidations[0].iova, one.invalidations[0].length], [0x7000, 4096]);
});

Deno.test("amd: no mask limit: leaves 2 GiB apart are one 4 GiB range; an empty gather is all pages", () => {
  const far = kernelIotlbSync("amd", DEFAULTS, gather([0, 4096], [2 * GiB, 4096]));
  assert.deepEqual(far.invalidations, [
    { kind: "page-range", iova: 0, length: 4 * GiB, commands: 1, leafOnly: false },
  ]);
  // amd_iommu_domain_flush_pages(ULONG_MAX, 0 − ULONG_MAX + 1 = 2): the end
  // wraps to 0, msb_diff = 63 > 51 → CMD_INV_IOMMU_ALL_PAGES_ADDRESS.
  const empty = kernelIotlbSync("amd", DEFAULTS, new KernelGather());
  assert.equal(empty.invalidations[0].kind, "domain");
  assert.equal(empty.commands, 1);
});

Deno.test("amd NpCache: naturally aligned pieces, one completion wait", () => {
  // [0x3000, 0x8fff], size 0x6000: 4 KiB at 0x3000 (address alignment 12),
  // 16 KiB at 0x4000 (size alignment 14), 4 KiB at 0x8000.
  const s = kernelIotlbSync(
    "amd",
    knobs({ amd: { npCache: true } }),
    gather([0x3000, 4096], [0x8000, 4096]),
  );
  assert.deepEqual(
    s.invalidations.map((i) => [i.iova, i.length]),
    [[0x3000, 4096], [0x4000, 16 * KiB], [0x8000, 4096]],
  );
  assert.equal(s.commands, 3);
  assert.equal(s.waits, 1);
});

Deno.test("every vendor's invalidations cover the gathered range", () => {
  const all: KernelFlushKnobs[] = [
    DEFAULTS,
    knobs({ smmuv3: { gatherPgsize: "leaf" }, amd: { npCache: true } }),
    knobs({ smmuv3: { gatherPgsize: "leaf", rangeInvalidation: true } }),
  ];
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: (1 << 22) - 1 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 2 }),
      (pages, k) => {
        const g = new KernelGather();
        for (const p of pages) g.addRange(p * 4096, 4096);
        for (const v of ["intel", "amd", "smmuv3"] as const) {
          const s = kernelIotlbSync(v, all[k], g);
          if (v === "smmuv3" && all[k].smmuv3.gatherPgsize === "unset") continue;
          // Every byte of [start, end] lies in some invalidation.
          let covered = g.start;
          const ranges = s.invalidations.map((i) =>
            i.kind === "domain" ? [0, DOMAIN_SPAN] : [i.iova, i.iova + i.length]
          ).sort((a, b) => a[0] - b[0]);
          for (const [a, b] of ranges) if (a <= covered && b > covered) covered = b;
          if (covered <= g.end) return false;
        }
        return true;
      },
    ),
  );
});
