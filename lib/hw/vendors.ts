// IOMMU vendors as data, not subclasses: levels for a 48-bit IOVA space, legal
// leaf sizes, and the real Accessed/Dirty bit positions of a leaf IOPTE, as the
// Linux drivers define them (amd_iommu_types.h, intel/iommu.h,
// io-pgtable-arm.c; see ../shared/FACTS.md §1). Adding a vendor is adding a record.

export type VendorName = "amd" | "intel" | "smmuv3";

/**
 * How the driver walks the table when it reads and clears Dirty bits:
 * "per-leaf" walks from the root for every leaf (Intel
 * intel_iommu_read_and_clear_dirty → pfn_to_dma_pte, AMD
 * iommu_v1_read_and_clear_dirty → fetch_pte); "tree" reads each entry it
 * crosses once per call (io-pgtable-arm arm_lpae_read_and_clear_dirty).
 */
export type DirtyWalkStyle = "per-leaf" | "tree";

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
  /** Highest output-address bit of a leaf (the address is bits 12..this). */
  addressHighBit: number;
  /** A read-permission bit separate from Present (AMD IR), if any. */
  readableBit?: number;
  /** Set in leaves above 4 KiB to say "leaf, not table" (Intel PS), if any. */
  largeLeafBit?: number;
  /** Set in 4 KiB leaves, clear in block leaves (LPAE descriptor type), if any. */
  pageDescriptorBit?: number;
  /** Where the capability is advertised and how tracking is switched on. */
  capability: string;
  enable: string;
  /** How a dirty read walks the table (the driver's read_and_clear_dirty). */
  dirtyWalk: DirtyWalkStyle;
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
    addressHighBit: 51, // IOMMU_PAGE_MASK
    readableBit: 61, // IOMMU_PTE_IR
    capability: "EFR HASUP bit 49 + HDSUP bit 52",
    enable: "DTE bits 7-8 (DTE_FLAG_HAD), then a DTE flush",
    dirtyWalk: "per-leaf", // iommu_v1_read_and_clear_dirty: fetch_pte a leaf
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
    addressHighBit: 51,
    largeLeafBit: 7, // DMA_PTE_LARGE_PAGE
    capability: "ECAP SSADS bit 45, scalable mode",
    enable: "PASID entry bit 9 (SSADE), then a PASID-cache flush",
    dirtyWalk: "per-leaf", // intel_iommu_read_and_clear_dirty: pfn_to_dma_pte a leaf
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
    addressHighBit: 47, // 48-bit output address
    pageDescriptorBit: 1, // ARM_LPAE_PTE_TYPE_PAGE at the last level
    capability: "IDR0.HTTU [7:6] = 2 (access + dirty)",
    enable: "CD TCR.HA bit 43 and TCR.HD bit 42",
    dirtyWalk: "tree", // arm_lpae_read_and_clear_dirty: __arm_lpae_iopte_walk once
  },
};

export const VENDOR_NAMES = Object.keys(VENDORS) as VendorName[];

/** Looks a vendor up by name; an unknown name is an error listing the known ones. */
export function vendor(name: string): Vendor {
  const v = (VENDORS as Record<string, Vendor>)[name];
  if (!v) throw new Error(`unknown vendor "${name}": known vendors are ${VENDOR_NAMES.join(", ")}`);
  return v;
}

/** The state of one leaf IOPTE, as encodePte writes it and decodePte reads it. */
export interface LeafPte {
  present: boolean;
  writable: boolean;
  accessed: boolean;
  dirty: boolean;
  /** Output (physical) address of the page; aligned to the page size. */
  address: number;
  /** Page size of the leaf, bytes (4 KiB, 2 MiB, 1 GiB). */
  sizeBytes: number;
}

const bit = (n: number) => 1n << BigInt(n);

/**
 * Encodes a leaf with the vendor's real bit positions (FACTS.md §1). An
 * SMMUv3 writable leaf carries DBM; it is dirty when AP[2] (read-only) is
 * clear (io-pgtable-arm.c iopte_writeable_dirty), clean when AP[2] is set.
 */
export function encodePte(v: Vendor, pte: LeafPte): bigint {
  if (!v.pageSizes.includes(pte.sizeBytes)) {
    throw new Error(`encodePte: ${pte.sizeBytes} is not a page size of vendor ${v.name}`);
  }
  if (pte.address % pte.sizeBytes !== 0) {
    throw new Error(`encodePte: address ${pte.address} is not aligned to ${pte.sizeBytes}`);
  }
  if (pte.dirty && !pte.writable) throw new Error(`encodePte: a read-only leaf cannot be dirty`);
  if (!pte.present) return 0n;
  const addrMask = bit(v.addressHighBit + 1) - 1n - 0xfffn;
  let x = BigInt(pte.address) & addrMask;
  x |= bit(v.presentBit);
  if (v.readableBit !== undefined) x |= bit(v.readableBit);
  if (v.largeLeafBit !== undefined && pte.sizeBytes > 4096) x |= bit(v.largeLeafBit);
  if (v.pageDescriptorBit !== undefined && pte.sizeBytes === 4096) x |= bit(v.pageDescriptorBit);
  if (pte.accessed) x |= bit(v.accessedBit);
  const d = v.dirty;
  if (d.kind === "set-bit") {
    if (pte.writable) x |= bit(v.writableBit);
    if (pte.dirty) x |= bit(d.bit);
  } else {
    if (pte.writable) x |= bit(d.dbmBit);
    if (!pte.writable || !pte.dirty) x |= bit(d.readOnlyBit);
  }
  return x;
}

/** Decodes a leaf IOPTE of `sizeBytes` (a leaf's size is its level, not in the PTE). */
export function decodePte(v: Vendor, x: bigint, sizeBytes: number): LeafPte {
  const has = (n: number) => (x & bit(n)) !== 0n;
  const addrMask = bit(v.addressHighBit + 1) - 1n - (BigInt(sizeBytes) - 1n);
  const present = has(v.presentBit);
  const d = v.dirty;
  let writable: boolean;
  let dirty: boolean;
  if (d.kind === "set-bit") {
    writable = has(v.writableBit);
    dirty = has(d.bit);
  } else {
    const dbm = has(d.dbmBit);
    const ro = has(d.readOnlyBit);
    writable = dbm || !ro;
    dirty = dbm && !ro;
  }
  return {
    present,
    writable,
    accessed: has(v.accessedBit),
    dirty,
    address: Number(x & addrMask),
    sizeBytes,
  };
}
