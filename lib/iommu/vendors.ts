// IOMMU vendors as data, not subclasses: levels for a 48-bit IOVA space, legal
// leaf sizes, and the real Accessed/Dirty bit positions of a leaf IOPTE, as the
// Linux drivers define them (amd_iommu_types.h, intel/iommu.h,
// io-pgtable-arm.c; see ../shared/FACTS.md §1). Adding a vendor is adding a record.

export type VendorName = "amd" | "intel" | "smmuv3";

/** How a leaf PTE says "dirty": a bit that the IOMMU sets, or (SMMUv3 DBM)
 * a read-only bit that it clears on the first write. */
export type DirtyEncoding =
  | { kind: "set-bit"; bit: number }
  | { kind: "dbm-clear-ro"; dbmBit: number; readOnlyBit: number };

export interface Vendor {
  name: VendorName;
  title: string;
  /** Page-table levels for a 48-bit IOVA space (9 bits a level, 4 KiB tables). */
  levels: number;
  /** Legal leaf sizes in bytes, ascending. */
  pageSizes: readonly number[];
  presentBit: number;
  writableBit: number;
  /** Set when the leaf is read-only rather than when it is writable (ARM AP[2]). */
  writableIsReadOnlyBit: boolean;
  accessedBit: number;
  dirty: DirtyEncoding;
  /** Where the capability is advertised and how tracking is switched on. */
  capability: string;
  enable: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const VENDORS: Readonly<Record<VendorName, Vendor>> = {
  amd: {
    name: "amd",
    title: "AMD-Vi v1 page table",
    levels: 4,
    pageSizes: [4 * KiB, 2 * MiB, GiB],
    presentBit: 0, // IOMMU_PTE_PR
    writableBit: 62, // IOMMU_PTE_IW
    writableIsReadOnlyBit: false,
    accessedBit: 5, // spec (unconfirmed, FACTS §1)
    dirty: { kind: "set-bit", bit: 6 }, // IOMMU_PTE_HD_BIT
    capability: "EFR HASUP bit 49 + HDSUP bit 52",
    enable: "DTE bits 7-8 (DTE_FLAG_HAD), then a DTE flush",
  },
  intel: {
    name: "intel",
    title: "Intel VT-d second-stage table",
    levels: 4,
    pageSizes: [4 * KiB, 2 * MiB, GiB],
    presentBit: 0, // R
    writableBit: 1, // W
    writableIsReadOnlyBit: false,
    accessedBit: 8, // spec (unconfirmed, FACTS §1)
    dirty: { kind: "set-bit", bit: 9 }, // DMA_SL_PTE_DIRTY_BIT
    capability: "ECAP SSADS bit 45, scalable mode",
    enable: "PASID entry bit 9 (SSADE), then a PASID-cache flush",
  },
  smmuv3: {
    name: "smmuv3",
    title: "ARM SMMUv3 stage 1, LPAE 4 KiB granule",
    levels: 4,
    pageSizes: [4 * KiB, 2 * MiB, GiB],
    presentBit: 0, // VALID
    writableBit: 7, // AP[2]: set means read-only
    writableIsReadOnlyBit: true,
    accessedBit: 10, // AF
    dirty: { kind: "dbm-clear-ro", dbmBit: 51, readOnlyBit: 7 },
    capability: "IDR0.HTTU [7:6] = 2 (access + dirty)",
    enable: "CD TCR.HA bit 43 and TCR.HD bit 42",
  },
};

export const VENDOR_NAMES = Object.keys(VENDORS) as VendorName[];

/** Looks a vendor up by name; an unknown name is an error listing the known ones. */
export function vendor(name: string): Vendor {
  const v = (VENDORS as Record<string, Vendor>)[name];
  if (!v) throw new Error(`unknown vendor "${name}": known vendors are ${VENDOR_NAMES.join(", ")}`);
  return v;
}
