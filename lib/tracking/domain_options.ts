// From a run config to what the IOMMU domain models: the vendor, the cache
// geometries, the invalidation costs, and the clear policy that the tracking
// keys encode (tracking.clearBatch with iommu.kernelFlush, and
// tracking.unsafeSkipFlush which overrides it). The IOMMU layer knows no
// config key; this is the one place that reads them for it.

import { parseConfig, type RunConfig } from "../config/mod.ts";
import { type ClearPolicy, createDomain, type Domain, type DomainOptions } from "../iommu/mod.ts";

/** The clear policy the tracking keys name. */
export function clearPolicyOf(config: Pick<RunConfig, "tracking" | "iommu">): ClearPolicy {
  const { tracking } = config;
  if (tracking.unsafeSkipFlush) return { kind: "unsafe-skip" };
  const b = tracking.clearBatch;
  if (b === "kernel") return { kind: "kernel", knobs: config.iommu.kernelFlush };
  return b === "round" ? { kind: "round" } : { kind: "batch", n: b };
}

/**
 * Whether the config's clearing may lose writes, so a run of it may report
 * lostWrites > 0 (checkSimResult's rule): `tracking.unsafeSkipFlush`, or
 * clearBatch "kernel" on SMMUv3 with gather->pgsize left unset, where the
 * sync after a dirty read issues no invalidation at all (arm_smmu_iotlb_sync
 * returns early when pgsize is 0, as the source reads at the version
 * followed; unconfirmed on hardware), so the IOTLB keeps the cleared Dirty
 * state exactly as with unsafeSkipFlush.
 */
export function isUnsafeClear(config: Pick<RunConfig, "tracking" | "iommu">): boolean {
  const { tracking, iommu } = config;
  return tracking.unsafeSkipFlush ||
    (tracking.clearBatch === "kernel" && iommu.vendor === "smmuv3" &&
      iommu.kernelFlush.smmuv3.gatherPgsize === "unset");
}

/** The domain a run of `config` uses, before anything is mapped. */
export function domainOptions(config: RunConfig): DomainOptions {
  const { vendor, iotlb, walkCache, costs, pageSize } = config.iommu;
  return {
    vendor,
    iotlb: { entries: iotlb.entries, ways: iotlb.ways },
    walkCache: { entries: walkCache.entries, ways: walkCache.ways },
    costs: { invalidationNs: costs.invalidationNs, waitNs: costs.waitNs },
    clear: clearPolicyOf(config),
    reserve: { lengthBytes: config.guest.memory, pageSize },
  };
}

/** A domain from a partial run config (validated and defaulted by the one schema). */
export function domainFromConfig(input: unknown = {}): Domain {
  return createDomain(domainOptions(parseConfig(input)));
}
