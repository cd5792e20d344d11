// What upstream Linux invalidates after IOMMU_HWPT_GET_DIRTY_BITMAP (clearBatch
// "kernel", MODEL.md §6, FACTS.md §7): one gather a call grown to one range, one
// iommu_iotlb_sync that each driver turns into commands by its own rule, in the
// drivers' u64 arithmetic, so an empty gather behaves as in the kernel. Pure: the
// IOTLB and the costs are the caller's. Version followed: mainline v6.10-v6.13.

import type { VendorName } from "../hw/mod.ts";

const U64 = (1n << 64n) - 1n;
const ULONG_MAX = U64;
const VTD_PAGE_SHIFT = 12n;
const PAGE_SIZE = 4096;
/** IOVA bytes a 4-level, 48-bit table spans: the extent of a "domain" invalidation. */
export const DOMAIN_SPAN = 2 ** 48;

/** The vendor knobs of the kernel's sync (config section kernelFlush). */
export interface KernelFlushKnobs {
  intel: {
    /** CAP.PSI: page-selective invalidation exists. */
    pageSelective: boolean;
    /** CAP.MAMV (bits 53:48): the largest address mask a PSI may carry. */
    mamv: number;
  };
  smmuv3: {
    /** IDR3.RIL: range invalidation (SMMUv3.2). */
    rangeInvalidation: boolean;
    /** gather->pgsize after a dirty read: "unset" as upstream, or the leaf granule. */
    gatherPgsize: "unset" | "leaf";
    /** Without RIL, one whole-ASID invalidation instead of too many granule commands. */
    asidFallback: boolean;
  };
  amd: {
    /** EFR.NpCache (a virtual IOMMU): flush naturally aligned pieces. */
    npCache: boolean;
  };
}

/**
 * struct iommu_iotlb_gather: one range, [start, end] inclusive as the kernel
 * keeps it, and pgsize. Empty: start = ULONG_MAX (here +Infinity), end = 0.
 */
export class KernelGather {
  start = Number.POSITIVE_INFINITY;
  end = 0;
  pgsize = 0;
  /** Ranges added (cleared leaves recorded). */
  added = 0;

  /** iommu_iotlb_gather_add_range: what iommu_dirty_bitmap_record does for a cleared leaf. */
  addRange(iova: number, size: number): void {
    if (!(size > 0)) throw new Error(`KernelGather.addRange: size ${size} must be > 0`);
    const last = iova + size - 1;
    if (this.start > iova) this.start = iova;
    if (this.end < last) this.end = last;
    this.added++;
  }

  /** Records the page size too, as iommu_iotlb_gather_add_page would (without its early sync). */
  addPage(iova: number, size: number): void {
    this.addRange(iova, size);
    this.pgsize = size;
  }

  get empty(): boolean {
    return this.start === Number.POSITIVE_INFINITY;
  }

  /** iommu_iotlb_gather_init, as iommu_iotlb_sync leaves it. */
  reset(): void {
    this.start = Number.POSITIVE_INFINITY;
    this.end = 0;
    this.pgsize = 0;
    this.added = 0;
  }
}

/** What one command (or a run of identical per-granule commands) invalidates. */
export interface FlushInvalidation {
  /** "domain": everything of the domain (Intel DSI, AMD all pages, SMMUv3 ASID). */
  kind: "page-range" | "domain";
  /** Start of the range invalidated ([iova, iova + length)); 0 for a domain. */
  iova: number;
  /** Bytes invalidated; DOMAIN_SPAN for a domain. */
  length: number;
  /** Commands this record stands for (SMMUv3 without RIL: one a granule). */
  commands: number;
  /**
   * Only leaf entries (Intel PSI with IH = 1, SMMUv3 TLBI with Leaf = 1):
   * the paging-structure (walk) caches keep theirs.
   */
  leafOnly: boolean;
}

export interface KernelSync {
  vendor: VendorName;
  invalidations: FlushInvalidation[];
  /** Invalidation commands or descriptors queued (waits not included). */
  commands: number;
  /** Completion waits (Intel wait descriptor, AMD COMPLETION_WAIT, SMMUv3 CMD_SYNC). */
  waits: number;
  /** The driver branch taken, for logs and tests. */
  rule: string;
}

// --- u64 helpers, as the kernel's bitops -------------------------------------

/** __ffs: index of the lowest set bit (x ≠ 0). */
function ffs(x: bigint): bigint {
  if (x === 0n) throw new Error("__ffs(0) is undefined");
  let i = 0n;
  while (((x >> i) & 1n) === 0n) i++;
  return i;
}

/** fls64: one plus the index of the highest set bit; 0 for 0. */
function fls64(x: bigint): bigint {
  let n = 0n;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

const u64 = (x: bigint) => x & U64;

function gatherU64(g: KernelGather): { start: bigint; end: bigint } {
  return { start: g.empty ? ULONG_MAX : BigInt(g.start), end: BigInt(g.end) };
}

const domain = (): FlushInvalidation => ({
  kind: "domain",
  iova: 0,
  length: DOMAIN_SPAN,
  commands: 1,
  leafOnly: false,
});

// --- Intel VT-d: drivers/iommu/intel/cache.c ---------------------------------

/** aligned_nrpages (intel/iommu.h): 4 KiB pages spanned by [host_addr, +size). */
function alignedNrPages(hostAddr: bigint, size: bigint): bigint {
  const off = hostAddr & 0xfffn;
  return u64(off + size + 0xfffn) >> VTD_PAGE_SHIFT;
}

/**
 * calculate_psi_aligned_address(start, end): the naturally aligned
 * power-of-two run of 4 KiB pages covering [start, end] (end inclusive), as
 * (address, pages, mask) with pages = 2^mask.
 */
export function calculatePsiAlignedAddress(
  start: bigint,
  end: bigint,
): { addr: bigint; pages: bigint; mask: bigint } {
  const pages = alignedNrPages(start, u64(end - start + 1n));
  let alignedPages = pages <= 1n ? 1n : 1n << fls64(pages - 1n);
  const bitmask = alignedPages - 1n;
  let mask = fls64(alignedPages) - 1n;
  const pfn = start >> VTD_PAGE_SHIFT;
  if ((bitmask & pfn) !== 0n) {
    const endPfn = u64(pfn + pages - 1n);
    const shared = u64(~(pfn ^ endPfn)) & u64(~bitmask);
    mask = shared !== 0n ? ffs(shared) : 64n - VTD_PAGE_SHIFT; // MAX_AGAW_PFN_WIDTH
    alignedPages = 1n << mask;
  }
  const unit = 1n << (VTD_PAGE_SHIFT + mask);
  return { addr: u64(start & ~(unit - 1n)), pages: alignedPages, mask };
}

function intelSync(k: KernelFlushKnobs["intel"], g: KernelGather): KernelSync {
  // intel_iommu_tlb_sync → cache_tag_flush_range(start, end, ih): one
  // descriptor for the IOMMU's cache tag, batched (qi_batch, v6.12+) and
  // submitted with one wait descriptor. No device TLB (no ATS).
  const { start, end } = gatherU64(g);
  const { addr, pages, mask } = calculatePsiAlignedAddress(start, end);
  if (!k.pageSelective || Number(mask) > k.mamv) {
    return {
      vendor: "intel",
      invalidations: [domain()],
      commands: 1,
      waits: 1,
      rule: !k.pageSelective
        ? "DSI: no page-selective invalidation (cap_pgsel_inv)"
        : `DSI: mask ${mask} > MAMV ${k.mamv}`,
    };
  }
  return {
    vendor: "intel",
    // ih = list_empty(&gather->freelist): a dirty read frees no tables, so
    // the hint says "leaves only" and the paging-structure caches stay.
    invalidations: [{
      kind: "page-range",
      iova: Number(addr),
      length: Number(pages) * PAGE_SIZE,
      commands: 1,
      leafOnly: true,
    }],
    commands: 1,
    waits: 1,
    rule: `PSI: mask ${mask} <= MAMV ${k.mamv}`,
  };
}

// --- AMD-Vi: drivers/iommu/amd/iommu.c ---------------------------------------

/**
 * What one INVALIDATE_IOMMU_PAGES from build_inv_address(address, size)
 * covers: one page; with the S bit, the naturally aligned 2^(msb_diff+1)
 * bytes holding both ends; all pages if bit 51 differs.
 */
function amdInvalidation(address: bigint, size: bigint): FlushInvalidation {
  const pages = u64((address & 0xfffn) + size + 0xfffn) >> 12n; // iommu_num_pages
  if (pages === 1n) {
    return {
      kind: "page-range",
      iova: Number(address & ~0xfffn),
      length: PAGE_SIZE,
      commands: 1,
      leafOnly: false,
    };
  }
  const end = u64(address + size - 1n);
  const msbDiff = fls64(end ^ address) - 1n;
  if (msbDiff > 51n) return domain();
  // address | ((1 << msb_diff) − 1) with S = 1: the hardware reads the
  // lowest clear bit above 11 as the size, 2^(msb_diff + 1) bytes aligned.
  const span = 1n << (msbDiff + 1n);
  const base = address & ~(span - 1n);
  // PDE bit set (build_inv_iommu_pages): page-directory entries go too.
  return {
    kind: "page-range",
    iova: Number(base),
    length: Number(span),
    commands: 1,
    leafOnly: false,
  };
}

function amdSync(k: KernelFlushKnobs["amd"], g: KernelGather): KernelSync {
  // amd_iommu_iotlb_sync → amd_iommu_domain_flush_pages(start, end − start + 1),
  // then domain_flush_complete: one COMPLETION_WAIT.
  const { start, end } = gatherU64(g);
  let address = start;
  let size = u64(end - start + 1n);
  const invalidations: FlushInvalidation[] = [];
  if (!k.npCache) {
    invalidations.push(amdInvalidation(address, size));
  } else {
    // NpCache: repeated naturally aligned flushes until the range is covered.
    while (size !== 0n) {
      const sizeAlign = fls64(size) - 1n; // __fls
      const minAlign = address !== 0n
        ? (ffs(address) < sizeAlign ? ffs(address) : sizeAlign)
        : sizeAlign;
      const flush = 1n << minAlign;
      invalidations.push(amdInvalidation(address, flush));
      address = u64(address + flush);
      size -= flush;
    }
  }
  return {
    vendor: "amd",
    invalidations,
    commands: invalidations.length,
    waits: 1,
    rule: invalidations.some((i) => i.kind === "domain")
      ? "all pages: the range crosses bit 51 (build_inv_address)"
      : k.npCache
      ? "NpCache: naturally aligned pieces"
      : "one power-of-two range (build_inv_address)",
  };
}

// --- ARM SMMUv3: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c -----------------

const CMDQ_TLBI_RANGE_NUM_MAX = 31n;

function smmuSync(k: KernelFlushKnobs["smmuv3"], g: KernelGather, leafGranule: number): KernelSync {
  // arm_smmu_iotlb_sync: `if (!gather->pgsize) return;` The dirty read grows
  // the gather with iommu_iotlb_gather_add_range only, so upstream issues
  // nothing here.
  const pgsize = k.gatherPgsize === "leaf" && !g.empty ? leafGranule : g.pgsize;
  if (pgsize === 0) {
    return {
      vendor: "smmuv3",
      invalidations: [],
      commands: 0,
      waits: 0,
      rule: "skip: gather->pgsize == 0 (arm_smmu_iotlb_sync)",
    };
  }
  const granule = BigInt(pgsize);
  const start = BigInt(g.start);
  const size = BigInt(g.end) - start + 1n;
  const end = start + size;
  // arm_smmu_inv_size_too_big (and CMDQ_MAX_TLBI_OPS of the SVA path):
  // without RIL, at least 1 << (log2(granule) − 3) granule commands become
  // one invalidation of the whole ASID.
  const maxOps = 1n << (fls64(granule) - 1n - 3n);
  if (!k.rangeInvalidation && k.asidFallback && size >= maxOps * granule) {
    return {
      vendor: "smmuv3",
      // CMD_TLBI_NH_ASID has no Leaf flag: it drops the ASID's walk-cache
      // entries too (SMMUv3 spec, "TLB invalidation").
      invalidations: [domain()],
      commands: 1,
      waits: 1,
      rule: `ASID: ${size / granule} granule commands >= ${maxOps} without RIL`,
    };
  }
  const invalidations: FlushInvalidation[] = [];
  if (k.rangeInvalidation) {
    // __arm_smmu_tlb_inv_range with ARM_SMMU_FEAT_RANGE_INV: tg is the
    // smallest page size; each command covers num × 2^scale pages.
    const tg = 12n;
    let numPages = size >> tg;
    let iova = start;
    while (iova < end) {
      const scale = ffs(numPages);
      const num = (numPages >> scale) & CMDQ_TLBI_RANGE_NUM_MAX;
      const inv = num << (scale + tg);
      invalidations.push({
        kind: "page-range",
        iova: Number(iova),
        length: Number(inv),
        commands: 1,
        leafOnly: true,
      });
      numPages -= num << scale;
      iova += inv;
    }
  } else {
    const n = (size + granule - 1n) / granule;
    invalidations.push({
      kind: "page-range",
      iova: Number(start),
      length: Number(n * granule),
      commands: Number(n),
      leafOnly: true,
    });
  }
  const commands = invalidations.reduce((s, i) => s + i.commands, 0);
  return {
    vendor: "smmuv3",
    invalidations,
    commands,
    // arm_smmu_cmdq_batch_submit ends the batch with one CMD_SYNC.
    waits: 1,
    rule: k.rangeInvalidation ? "RIL range commands" : "one TLBI a granule",
  };
}

/**
 * The invalidations one iommu_iotlb_sync issues for `gather` on `vendor`.
 * `leafGranule` is the leaf size the cleared entries had (SMMUv3 with
 * gatherPgsize "leaf" uses it as gather->pgsize).
 */
export function kernelIotlbSync(
  vendor: VendorName,
  knobs: KernelFlushKnobs,
  gather: KernelGather,
  leafGranule = PAGE_SIZE,
): KernelSync {
  switch (vendor) {
    case "intel":
      return intelSync(knobs.intel, gather);
    case "amd":
      return amdSync(knobs.amd, gather);
    case "smmuv3":
      return smmuSync(knobs.smmuv3, gather, leafGranule);
  }
}
