// Domains for the IOMMU layer's tests and benchmarks, built from a few
// overrides of the run config's defaults. TEST_DEFAULTS mirror the schema's
// defaults (lib/config/schema.ts, a 4 GiB guest mapped at 2 MiB); a test in
// lib/tracking holds them equal to domainOptions(parseConfig({})), so they
// cannot drift, while this layer's tests still import nothing above it.

import type { ClearPolicy } from "./clear_policy.ts";
import { type CacheGeometry, type DomainOptions, IommuDomain } from "./domain.ts";
import type { InvalidationCosts } from "./invalidator.ts";
import type { VendorName } from "../hw/mod.ts";

export const TEST_DEFAULTS: DomainOptions = {
  vendor: "intel",
  iotlb: { entries: 64, ways: 8 },
  walkCache: { entries: 0, ways: 1 },
  costs: { invalidationNs: 167, waitNs: 500 },
  clear: { kind: "round" },
  reserve: { lengthBytes: 4 * 2 ** 30, pageSize: 2 * 2 ** 20 },
};

export interface TestDomainInput {
  vendor?: VendorName;
  iotlb?: Partial<CacheGeometry>;
  walkCache?: Partial<CacheGeometry>;
  costs?: Partial<InvalidationCosts>;
  clear?: ClearPolicy;
  /** Shorthand for clear: a batch size, or "round". */
  clearBatch?: number | "round";
  /** The guest memory the domain will map 1:1, and its page size (the reserve). */
  memory?: number;
  pageSize?: number;
}

/** TEST_DEFAULTS with `o` applied. */
export function testOptions(o: TestDomainInput = {}): DomainOptions {
  const d = TEST_DEFAULTS;
  const clear: ClearPolicy = o.clear ??
    (o.clearBatch === undefined
      ? d.clear
      : o.clearBatch === "round"
      ? { kind: "round" }
      : { kind: "batch", n: o.clearBatch });
  return {
    vendor: o.vendor ?? d.vendor,
    iotlb: { ...d.iotlb, ...o.iotlb },
    walkCache: { ...d.walkCache, ...o.walkCache },
    costs: { ...d.costs, ...o.costs },
    clear,
    reserve: {
      lengthBytes: o.memory ?? d.reserve!.lengthBytes,
      pageSize: o.pageSize ?? d.reserve!.pageSize,
    },
  };
}

/** An empty domain of TEST_DEFAULTS with `o` applied. */
export function testDomain(o: TestDomainInput = {}): IommuDomain {
  return new IommuDomain(testOptions(o));
}
