// Config sections for the cost models (lib/cost/, lib/iommu/kernel_flush.ts),
// part of runConfigSchema (schema.ts): `dma` (guest DMA timing, MODEL.md §12),
// `iommu.dirtyRead` (dirty-read time, §13) and `iommu.kernelFlush` (the
// vendor knobs of clearBatch "kernel", §6). Defaults live here and only here,
// each with its source; the two fitted ones come from scripts/calibrate_dma.ts.

import { z } from "zod";
import { bandwidth } from "./unit_fields.ts";

const ns = (d: string, dflt: number) =>
  z.number().min(0).default(dflt).meta({ description: `${d}, ns` });

// --- dma -------------------------------------------------------------------

/**
 * Fitted on the pcie-bench series of FACTS.md §8 (64 B random reads, Cold,
 * Broadwell E5-2630 v4, IOMMU on without superpages ÷ IOMMU off; repository
 * pcie-bench/data at b2abf2f7) by scripts/calibrate_dma.ts, with the other
 * fields at their defaults and iommu.costs.memoryAccessNs = 100.
 */
export const DMA_FITTED = { baseLatencyNs: 589.1, pageWalkers: 7.842 } as const;

export const dmaTimingSection = z.strictObject({
  // PCIe gives a requester without Extended Tag 32 tags, so at most 32
  // non-posted requests (reads) outstanding (PCIe base spec, Transaction ID);
  // the NFP6000's own limit is not published (assumed).
  inFlight: z.number().int().min(1).default(32).meta({
    description: "requests the device keeps outstanding (Little's law N; assumed 32 PCIe tags)",
  }),
  baseLatencyNs: z.number().positive().default(DMA_FITTED.baseLatencyNs).meta({
    description:
      "latency of one DMA request with no translation cost, ns (fitted on pcie-bench, FACTS §8)",
  }),
  // PCIe Gen3 x8: 8 GT/s × 8 lanes × 128/130 = 63.0 Gbit/s on the wire;
  // 256 B max payload with ~24 B of TLP header, sequence number, LCRC and
  // framing a TLP gives 63.0 × 256/280 = 57.6 Gbit/s of payload (assumed:
  // the overhead follows the pcie-model of the same authors). Not binding for
  // the fitted series.
  linkBandwidth: bandwidth("payload bandwidth of the device's link").prefault("57.6Gbit/s"),
  // A few cycles of the IOMMU's clock (assumed). The fitted series loses
  // 0.4-0.5 % at windows the IOTLB covers, consistent with ~2-3 ns; not fitted.
  iotlbHitNs: ns("added latency of a translation that hits the IOTLB (assumed)", 2),
  pageWalkers: z.number().positive().default(DMA_FITTED.pageWalkers).meta({
    description: "page walks the IOMMU keeps in progress at once, effective " +
      "(fitted on pcie-bench, FACTS §8)",
  }),
}).prefault({});

export type DmaTimingConfig = z.output<typeof dmaTimingSection>;

// --- dirtyRead -------------------------------------------------------------

export const dirtyReadSection = z.strictObject({
  // A CPU load of a page-table entry that is in the cache, plus the loop
  // around it (assumed: no published figure).
  entryReadNs: ns("cost of reading one page-table entry during a dirty read (assumed)", 5),
  // test_and_clear on the leaf (a locked read-modify-write, ~20 ns) plus
  // iova_bitmap_set (assumed).
  dirtyLeafNs: ns("extra cost of a dirty leaf: test-and-clear and setting its bits (assumed)", 30),
  // iova_bitmap maps at most 512 pages of the user bitmap at a time
  // (pin_user_pages_fast, then unpin): ~40 ns a page (assumed).
  windowNs: ns(
    "cost of mapping and unmapping one iova_bitmap window of the user bitmap (assumed)",
    20_000,
  ),
}).prefault({});

export type DirtyReadConfig = z.output<typeof dirtyReadSection>;

// --- kernelFlush -----------------------------------------------------------

export const kernelFlushSection = z.strictObject({
  intel: z.strictObject({
    pageSelective: z.boolean().default(true).meta({
      description: "the IOMMU has page-selective invalidation (CAP.PSI)",
    }),
    // cap_max_amask_val(), CAP bits 53:48. Intel server IOMMUs commonly
    // report 18 (FACTS §7, unconfirmed).
    mamv: z.number().int().min(0).max(63).default(18).meta({
      description: "maximum address-mask value of a page-selective invalidation " +
        "(CAP.MAMV; 18 unconfirmed)",
    }),
  }).prefault({}),
  smmuv3: z.strictObject({
    rangeInvalidation: z.boolean().default(false).meta({
      description: "the SMMU has range invalidation (IDR3.RIL, SMMUv3.2; assumed absent)",
    }),
    gatherPgsize: z.enum(["unset", "leaf"]).default("unset").meta({
      description: 'what the dirty read leaves in gather->pgsize: "unset" as upstream ' +
        "(iommu_dirty_bitmap_record grows only the range, so arm_smmu_iotlb_sync issues " +
        'nothing), or "leaf" (the invalidation the driver would issue for leaf-size pages)',
    }),
    asidFallback: z.boolean().default(true).meta({
      description: "without RIL, invalidate the whole ASID instead of more than " +
        "1 << (log2(granule) − 3) per-granule commands (CMDQ_MAX_TLBI_OPS)",
    }),
  }).prefault({}),
  amd: z.strictObject({
    npCache: z.boolean().default(false).meta({
      description: "EFR.NpCache (a virtual IOMMU): flush as naturally aligned pieces",
    }),
  }).prefault({}),
}).prefault({});

export type KernelFlushConfig = z.output<typeof kernelFlushSection>;
