// The kernel's iommufd dirty-tracking selftests, reproduced on the model.
// Source: torvalds/linux tools/testing/selftests/iommu/iommufd.c
// (FIXTURE iommufd_dirty_tracking: variants domain_dirty8k ... 256M_huge;
// TEST_F set_dirty_tracking, get_dirty_bitmap, get_dirty_bitmap_no_clear) and
// tools/testing/selftests/iommu/iommufd_utils.h (_test_mock_dirty_bitmaps).
//
// The mock IOMMU there has 2 KiB pages (MOCK_PAGE_SIZE = PAGE_SIZE / 2) and
// 1 MiB huge pages (512 mock pages), IOVA base MOCK_APERTURE_START (16 MiB),
// and the bitmap is read at page_size = MOCK_PAGE_SIZE. Our base page is
// 4 KiB, so every size is scaled by 2: 4 KiB pages, 2 MiB huge pages (still
// 512 base pages), buffers of twice the variant's size, base 32 MiB, bitmap
// page size 4 KiB. Then nbits = buffer / page is the kernel's nbits, and the
// expected bitmaps and counts carry over exactly (FACTS.md §2): 8k 2 of 4;
// 16k 4 of 8; 128k 32 of 64; 256k 64 of 128; 640k 160 of 320; 128M 32768 of
// 65536; 256M 65536 of 131072; 128M_huge 64 huge pages, 32768 bits; 256M_huge
// 128, 65536 bits.
//
// _test_mock_dirty_bitmaps marks every other PTE dirty (bit i of a pteset =
// 2·npte bits, npte = pte_size / page_size = 1, or 512 for huge) through
// IOMMU_TEST_OP_DIRTY and expects out_nr_dirty = nbits / pteset (at least 1).
// Here a device write to the PTE's first page does the marking. GET_DIRTY_BITMAP
// must then set bit i iff (i mod pteset) < npte, and a second read gives all
// zeros, or the same bits with NO_CLEAR. Here each read is checked bit by bit
// against that pattern and its popcount against the kernel's expected count
// (FACTS.md §2), and the returned array holds exactly nbits bits.
//
// Each kernel test calls _test_mock_dirty_bitmaps three times on one domain,
// with the user bitmap at three placements (aligned, PAGE_SIZE-unaligned,
// u64-unaligned). getDirtyBitmap returns its own array, so placement has no
// counterpart here and is not reproduced; the three calls are kept as three
// rounds on one domain (marking, reading, re-reading), which is what they do
// to the domain's state.
//
// Not reproduced: enforce_dirty checks that a device without the capability
// cannot attach to a dirty-tracking domain (EINVAL/EOPNOTSUPP); the model has
// no device object, and all three vendor records advertise the capability.

import assert from "node:assert/strict";
import { IommuError } from "./errors.ts";
import { testDomain } from "./test_util.ts";
import type { Domain } from "./types.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const SCALE = 2; // our 4 KiB page / the mock's 2 KiB page
const PAGE = 4 * KiB; // MOCK_PAGE_SIZE × 2
const HUGE = 2 * MiB; // MOCK_HUGE_PAGE_SIZE (1 MiB) × 2
const BASE = SCALE * 16 * MiB; // MOCK_APERTURE_START × 2

const VARIANTS: {
  name: string;
  kernelBytes: number;
  huge: boolean;
  setBits: number;
  nbits: number;
  marked: number;
}[] = [
  { name: "domain_dirty8k", kernelBytes: 8 * KiB, huge: false, setBits: 2, nbits: 4, marked: 2 },
  { name: "domain_dirty16k", kernelBytes: 16 * KiB, huge: false, setBits: 4, nbits: 8, marked: 4 },
  {
    name: "domain_dirty128k",
    kernelBytes: 128 * KiB,
    huge: false,
    setBits: 32,
    nbits: 64,
    marked: 32,
  },
  {
    name: "domain_dirty256k",
    kernelBytes: 256 * KiB,
    huge: false,
    setBits: 64,
    nbits: 128,
    marked: 64,
  },
  {
    name: "domain_dirty640k",
    kernelBytes: 640 * KiB,
    huge: false,
    setBits: 160,
    nbits: 320,
    marked: 160,
  },
  {
    name: "domain_dirty128M",
    kernelBytes: 128 * MiB,
    huge: false,
    setBits: 32768,
    nbits: 65536,
    marked: 32768,
  },
  {
    name: "domain_dirty128M_huge",
    kernelBytes: 128 * MiB,
    huge: true,
    setBits: 32768,
    nbits: 65536,
    marked: 64,
  },
  {
    name: "domain_dirty256M",
    kernelBytes: 256 * MiB,
    huge: false,
    setBits: 65536,
    nbits: 131072,
    marked: 65536,
  },
  {
    name: "domain_dirty256M_huge",
    kernelBytes: 256 * MiB,
    huge: true,
    setBits: 65536,
    nbits: 131072,
    marked: 128,
  },
];

function popcount(bm: Uint8Array): number {
  let n = 0;
  for (const b of bm) for (let x = b; x; x &= x - 1) n++;
  return n;
}

const bit = (bm: Uint8Array, i: number) => (bm[i >> 3] & (1 << (i & 7))) !== 0;

/** _test_mock_dirty_bitmaps, on our domain. */
function mockDirtyBitmaps(d: Domain, length: number, pteSize: number, noClear: boolean) {
  const npte = pteSize / PAGE;
  const pteset = 2 * npte;
  const nbits = length / PAGE;
  const nr = Math.floor(nbits / pteset) || 1;
  // "Mark all even bits as dirty in the mock domain": one write per marked PTE.
  const before = d.stats();
  for (let i = 0; i < nbits; i += pteset) d.dma(BASE + i * PAGE, 8, true);
  const newlyDirty = d.stats().dirtyBitWrites - before.dirtyBitWrites;
  let reported = 0;
  const read = () =>
    d.getDirtyBitmap({
      iova: BASE,
      length,
      pageSize: PAGE,
      noClear,
      onDirtyLeaf: () => reported++,
    });
  const first = read();
  assert.equal(first.length, Math.ceil(nbits / 8), "one bit per page, nbits bits");
  for (let i = 0; i < nbits; i++) assert.equal(bit(first, i), i % pteset < npte, `bit ${i}`);
  assert.equal(reported, nr, "out_nr_dirty: PTEs reported dirty");
  const second = read();
  for (let i = 0; i < nbits; i++) {
    assert.equal(bit(second, i), i % pteset < npte && noClear, `second read, bit ${i}`);
  }
  return { nr, newlyDirty, firstBits: popcount(first), secondBits: popcount(second), nbits };
}

for (const v of VARIANTS) {
  for (const noClear of [false, true]) {
    const test = noClear ? "get_dirty_bitmap_no_clear" : "get_dirty_bitmap";
    Deno.test(`iommufd selftest ${test}/${v.name} (scaled x2)`, () => {
      const length = v.kernelBytes * SCALE;
      const pteSize = v.huge ? HUGE : PAGE;
      const d = testDomain({ memory: 2 ** 30, pageSize: pteSize });
      d.map(BASE, length, pteSize);
      d.setDirtyTracking(true);
      // Three rounds on one domain, as the kernel's three bitmap placements.
      for (let round = 0; round < 3; round++) {
        const r = mockDirtyBitmaps(d, length, pteSize, noClear);
        assert.equal(r.nbits, v.nbits);
        assert.equal(r.nr, v.marked, "PTEs marked (out_nr_dirty)");
        assert.equal(r.firstBits, v.setBits, "bits set by GET_DIRTY_BITMAP");
        assert.equal(r.secondBits, noClear ? v.setBits : 0, "bits set by the second read");
        // The PTEs were clean before marking, except after a NO_CLEAR round.
        assert.equal(r.newlyDirty, !noClear || round === 0 ? v.marked : 0);
      }
    });
  }
}

Deno.test("iommufd selftest set_dirty_tracking: enable then disable both succeed", () => {
  const d = testDomain();
  d.map(BASE, 16 * KiB, PAGE);
  d.setDirtyTracking(true);
  d.setDirtyTracking(false);
  // And a read with tracking off is refused, as the drivers do.
  assert.throws(
    () => d.getDirtyBitmap({ iova: BASE, length: 16 * KiB, pageSize: PAGE }),
    (e: IommuError) => e.errno === "EINVAL",
  );
});
