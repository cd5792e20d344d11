// The adapter from a run config to the domain's options: the two tracking
// keys become one clear policy, the defaults the IOMMU tests assume are the
// schema's, and a config-built domain is the one simulate() runs.

import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { TEST_DEFAULTS } from "../iommu/test_util.ts";
import { clearPolicyOf, domainFromConfig, domainOptions, isUnsafeClear } from "./domain_options.ts";

Deno.test("domainOptions of the default config are the IOMMU tests' defaults", () => {
  assert.deepEqual(domainOptions(parseConfig({})), TEST_DEFAULTS);
});

Deno.test("clearBatch and unsafeSkipFlush become one clear policy; skipping wins", () => {
  const of = (tracking: Record<string, unknown>) => clearPolicyOf(parseConfig({ tracking }));
  assert.deepEqual(of({}), { kind: "round" });
  assert.deepEqual(of({ clearBatch: 64 }), { kind: "batch", n: 64 });
  assert.deepEqual(of({ clearBatch: 1 }), { kind: "batch", n: 1 });
  assert.deepEqual(of({ unsafeSkipFlush: true }), { kind: "unsafe-skip" });
  assert.deepEqual(of({ clearBatch: 8, unsafeSkipFlush: true }), { kind: "unsafe-skip" });
  const knobs = parseConfig({}).iommu.kernelFlush;
  assert.deepEqual(of({ clearBatch: "kernel" }), { kind: "kernel", knobs });
  assert.deepEqual(of({ clearBatch: "kernel", unsafeSkipFlush: true }), { kind: "unsafe-skip" });
});

Deno.test("isUnsafeClear: skipping the flush, or the kernel's sync on SMMUv3 with pgsize unset", () => {
  const unsafe = (input: Record<string, unknown>) => isUnsafeClear(parseConfig(input));
  assert.equal(unsafe({}), false);
  assert.equal(unsafe({ tracking: { unsafeSkipFlush: true } }), true);
  for (const vendor of ["intel", "amd"]) {
    assert.equal(unsafe({ iommu: { vendor }, tracking: { clearBatch: "kernel" } }), false);
  }
  assert.equal(unsafe({ iommu: { vendor: "smmuv3" }, tracking: { clearBatch: "kernel" } }), true);
  assert.equal(unsafe({ iommu: { vendor: "smmuv3" }, tracking: { clearBatch: "round" } }), false);
  assert.equal(
    unsafe({
      iommu: { vendor: "smmuv3", kernelFlush: { smmuv3: { gatherPgsize: "leaf" } } },
      tracking: { clearBatch: "kernel" },
    }),
    false,
  );
});

Deno.test("domainOptions takes the iommu section and reserves the guest's 1:1 map", () => {
  const o = domainOptions(parseConfig({
    guest: { memory: "1GiB" },
    iommu: {
      vendor: "smmuv3",
      pageSize: "4KiB",
      iotlb: { entries: 128, ways: 4 },
      walkCache: { entries: 16, ways: 4 },
      costs: { invalidationNs: 1, waitNs: 2, memoryAccessNs: 3 },
    },
  }));
  assert.deepEqual(o, {
    vendor: "smmuv3",
    iotlb: { entries: 128, ways: 4 },
    walkCache: { entries: 16, ways: 4 },
    costs: { invalidationNs: 1, waitNs: 2 },
    clear: { kind: "round" },
    reserve: { lengthBytes: 2 ** 30, pageSize: 4096 },
  });
  const d = domainFromConfig({ iommu: { vendor: "amd" } });
  assert.equal(d.vendor.name, "amd");
  assert.equal("config" in d, false, "the domain keeps no run config");
});
