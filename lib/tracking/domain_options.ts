// From a run config to what the IOMMU domain models: the vendor, the cache
// geometries, the invalidation costs, and the clear policy that two tracking
// keys encode (tracking.clearBatch, and tracking.unsafeSkipFlush which
// overrides it). The IOMMU layer knows no config key; this is the one place
// that reads them for it, as SplitContext does for the split policies.

import { parseConfig, type RunConfig } from "../config/mod.ts";
import { type ClearPolicy, createDomain, type Domain, type DomainOptions } from "../iommu/mod.ts";

/** The clear policy the tracking keys name. */
export function clearPolicyOf(tracking: RunConfig["tracking"]): ClearPolicy {
  if (tracking.unsafeSkipFlush) return { kind: "unsafe-skip" };
  const b = tracking.clearBatch;
  return b === "round" ? { kind: "round" } : { kind: "batch", n: b };
}

/** The domain a run of `config` uses, before anything is mapped. */
export function domainOptions(config: RunConfig): DomainOptions {
  const { vendor, iotlb, walkCache, costs, pageSize } = config.iommu;
  return {
    vendor,
    iotlb: { entries: iotlb.entries, ways: iotlb.ways },
    walkCache: { entries: walkCache.entries, ways: walkCache.ways },
    costs: { invalidationNs: costs.invalidationNs, waitNs: costs.waitNs },
    clear: clearPolicyOf(config.tracking),
    reserve: { lengthBytes: config.guest.memory, pageSize },
  };
}

/** A domain from a partial run config (validated and defaulted by the one schema). */
export function domainFromConfig(input: unknown = {}): Domain {
  return createDomain(domainOptions(parseConfig(input)));
}
