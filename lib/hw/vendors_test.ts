// PTE encode/decode per vendor against values built from the Linux headers'
// bit definitions (FACTS.md §1):
// - AMD (drivers/iommu/amd/amd_iommu_types.h): IOMMU_PTE_PR BIT(0),
//   IOMMU_PTE_HD_BIT 6, IOMMU_PTE_IR BIT(61), IOMMU_PTE_IW BIT(62); accessed
//   bit 5 from the spec (unconfirmed in FACTS).
// - Intel (drivers/iommu/intel/iommu.h): DMA_PTE_READ BIT(0), DMA_PTE_WRITE
//   BIT(1), DMA_PTE_LARGE_PAGE BIT(7), DMA_SL_PTE_DIRTY_BIT 9; accessed bit 8
//   from the spec (unconfirmed in FACTS).
// - ARM SMMUv3 (drivers/iommu/io-pgtable-arm.c): VALID bit 0, TYPE_PAGE bit 1
//   at the last level, AP_RDONLY bit 7, AF bit 10, DBM bit 51; writable-dirty
//   is DBM set with AP_RDONLY clear (iopte_writeable_dirty).

import assert from "node:assert/strict";
import { decodePte, encodePte, vendor, VENDOR_NAMES } from "./vendors.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

Deno.test("AMD-Vi v1: a dirty, accessed, writable 4 KiB leaf at 0x12345000", () => {
  const amd = vendor("amd");
  // PR | A(5) | HD(6) | IR(61) | IW(62) | address
  const known = 0x6000_0000_1234_5061n;
  assert.deepEqual(decodePte(amd, known, 4 * KiB), {
    present: true,
    writable: true,
    accessed: true,
    dirty: true,
    address: 0x12345000,
    sizeBytes: 4 * KiB,
  });
  assert.equal(encodePte(amd, decodePte(amd, known, 4 * KiB)), known);
  // Test-and-clear of bit 6 is the kernel's clear.
  assert.equal(decodePte(amd, known & ~(1n << 6n), 4 * KiB).dirty, false);
});

Deno.test("Intel VT-d second stage: a dirty 2 MiB superpage at 1 GiB", () => {
  const intel = vendor("intel");
  // R(0) | W(1) | PS(7) | A(8) | D(9) | address 0x40000000
  const known = 0x4000_0383n;
  const pte = decodePte(intel, known, 2 * MiB);
  assert.deepEqual(pte, {
    present: true,
    writable: true,
    accessed: true,
    dirty: true,
    address: 0x40000000,
    sizeBytes: 2 * MiB,
  });
  assert.equal(encodePte(intel, pte), known);
  assert.equal(decodePte(intel, known & ~(1n << 9n), 2 * MiB).dirty, false);
});

Deno.test("ARM SMMUv3: DBM writable-dirty vs writable-clean (AP[2] set)", () => {
  const smmu = vendor("smmuv3");
  // VALID | TYPE_PAGE | AF(10) | DBM(51), AP_RDONLY clear: writable-dirty
  const dirty = 0x0008_0000_1234_5403n;
  assert.deepEqual(decodePte(smmu, dirty, 4 * KiB), {
    present: true,
    writable: true,
    accessed: true,
    dirty: true,
    address: 0x12345000,
    sizeBytes: 4 * KiB,
  });
  assert.equal(encodePte(smmu, decodePte(smmu, dirty, 4 * KiB)), dirty);
  // The kernel's clear sets AP_RDONLY: writable-clean.
  const clean = dirty | (1n << 7n);
  assert.equal(clean, 0x0008_0000_1234_5483n);
  const c = decodePte(smmu, clean, 4 * KiB);
  assert.equal(c.writable, true);
  assert.equal(c.dirty, false);
  // A 2 MiB block has no TYPE_PAGE bit.
  const block = encodePte(smmu, { ...c, address: 0x40000000, sizeBytes: 2 * MiB });
  assert.equal(block & 2n, 0n);
});

Deno.test("encode then decode is the identity for every vendor, size and state", () => {
  for (const name of VENDOR_NAMES) {
    const v = vendor(name);
    for (const sizeBytes of v.pageSizes) {
      for (const writable of [false, true]) {
        for (const accessed of [false, true]) {
          for (const dirty of writable ? [false, true] : [false]) {
            const pte = {
              present: true,
              writable,
              accessed,
              dirty,
              address: 7 * sizeBytes,
              sizeBytes,
            };
            assert.deepEqual(decodePte(v, encodePte(v, pte), sizeBytes), pte, `${name}`);
          }
        }
      }
    }
  }
});

Deno.test("unknown vendor names list the known ones", () => {
  assert.throws(() => vendor("arm"), /known vendors are amd, intel, smmuv3/);
});
