// Validation of run configs as a user meets it: defaults from the one schema,
// units, one line per problem naming the key, the value and what is allowed,
// cross-field rules, overrides, and the exported JSON Schema kept current.

import assert from "node:assert/strict";
import { checkConfig, ConfigError, parseConfig } from "./validate.ts";
import { canonicalJson, configHash } from "./canonical.ts";
import { applyOverrides } from "./overrides.ts";
import { JSON_SCHEMA_PATH, runConfigJsonSchemaText } from "./json_schema.ts";

function problems(input: unknown): string[] {
  const r = checkConfig(input);
  assert.ok(!r.ok, `expected ${JSON.stringify(input)} to be rejected`);
  return r.problems;
}

Deno.test("defaults come from FACTS.md", () => {
  const c = parseConfig({});
  assert.equal(c.migration.downtimeLimit, 300); // QEMU downtime-limit 300 ms
  assert.equal(c.migration.bandwidth, 128 * 2 ** 20); // QEMU max-bandwidth 128 MiB/s
  assert.equal(c.iommu.iotlb.entries, 64); // ~64 entries, Neugebauer et al. 2018
  assert.equal(c.iommu.vendor, "intel");
  assert.equal(c.iommu.pageSize, 2 * 2 ** 20);
  assert.equal(c.tracking.splitTo, 4096);
  assert.equal(c.tracking.device.maxRanges, 256); // VFIO DMA logging limit
  assert.equal(c.workload.kind, "uniform");
  assert.equal(c.seed, 1);
});

Deno.test("unit strings and numbers give the same effective config", () => {
  const a = parseConfig({
    guest: { memory: "8GiB" },
    migration: { bandwidth: "10Gbit/s", downtimeLimit: "0.3s" },
  });
  const b = parseConfig({
    guest: { memory: 8 * 2 ** 30 },
    migration: { bandwidth: 1.25e9, downtimeLimit: 300 },
  });
  assert.deepEqual(a, b);
  assert.equal(canonicalJson(a), canonicalJson(b));
});

Deno.test("the effective config is plain JSON with a stable key order", async () => {
  const a = parseConfig({ tracking: { split: "lazy" }, seed: 3 });
  const b = parseConfig({ seed: 3, tracking: { split: "lazy" } });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  assert.equal(await configHash(a), await configHash(b));
  assert.notEqual(
    await configHash(a),
    await configHash(parseConfig({ seed: 4, tracking: { split: "lazy" } })),
  );
});

Deno.test("enum errors name the key, the value and what is allowed", () => {
  assert.deepEqual(problems({ tracking: { split: "eagre" } }), [
    'tracking.split: "eagre" is not one of none, eager, lazy',
  ]);
  assert.deepEqual(problems({ iommu: { vendor: "arm" } }), [
    'iommu.vendor: "arm" is not one of amd, intel, smmuv3',
  ]);
  assert.deepEqual(problems({ workload: { kind: "zipff" } }), [
    'workload.kind: "zipff" is not one of uniform, zipf, ring, stream, mix, trace',
  ]);
  assert.deepEqual(problems({ tracking: { clearBatch: "rnd" } }), [
    'tracking.clearBatch: "rnd" is not allowed: expected a number or "round" or "kernel"',
  ]);
});

Deno.test("unknown keys are errors, never silently defaulted", () => {
  assert.deepEqual(problems({ trackin: { split: "lazy" } }), [
    '(config): unknown key "trackin" (allowed: seed, guest, iommu, tracking, workload, dma, migration)',
  ]);
  assert.match(
    problems({ tracking: { splt: "lazy" } })[0],
    /^tracking: unknown key "splt" \(allowed: mode, split,/,
  );
  assert.match(
    problems({ iommu: { iotlb: { entires: 64 } } })[0],
    /^iommu\.iotlb: unknown key "entires" \(allowed: entries, ways\)/,
  );
  // a key of another workload kind is unknown for this one
  assert.match(
    problems({ workload: { kind: "zipf", buffers: 3 } })[0],
    /^workload: unknown key "buffers" \(allowed: kind, .*, s, scatter\)/,
  );
});

Deno.test("bad units and types name the key", () => {
  assert.match(problems({ guest: { memory: "4Gib" } })[0], /^guest\.memory: "4Gib" is not a size/);
  assert.match(
    problems({ migration: { bandwidth: "10G" } })[0],
    /^migration\.bandwidth: "10G" is not a bandwidth/,
  );
  assert.match(
    problems({ migration: { downtimeLimit: "soon" } })[0],
    /^migration\.downtimeLimit: "soon" is not a duration/,
  );
  assert.match(
    problems({ workload: { rate: "fast" } })[0],
    /^workload\.rate: "fast" is not a rate/,
  );
  assert.deepEqual(problems({ seed: "x" }), ['seed: expected number, got string "x"']);
  assert.deepEqual(problems({ seed: -1 }), ["seed: -1 is too small: must be >= 0"]);
  assert.deepEqual(problems({ workload: { writeFraction: 1.5 } }), [
    "workload.writeFraction: 1.5 is too large: must be <= 1",
  ]);
  assert.deepEqual(problems({ workload: { kind: "trace" } }), [
    "workload.path: is required (string)",
  ]);
});

Deno.test("cross-field: the page size must be legal for the vendor", () => {
  assert.deepEqual(
    problems({ iommu: { vendor: "amd", pageSize: 2 * 2 ** 20 + 1 }, guest: { memory: "4GiB" } })[0],
    "iommu.pageSize: 2MiB+1 is not a page size of vendor amd: 4KiB, 2MiB, 1GiB",
  );
  assert.deepEqual(problems({ iommu: { pageSize: "64KiB" } }), [
    "iommu.pageSize: 64KiB is not a page size of vendor intel: 4KiB, 2MiB, 1GiB",
  ]);
});

Deno.test("cross-field: splitTo is a legal size no larger than pageSize", () => {
  assert.deepEqual(problems({ iommu: { pageSize: "2MiB" }, tracking: { splitTo: "1GiB" } }), [
    "tracking.splitTo: 1GiB must not be larger than iommu.pageSize 2MiB",
  ]);
  assert.deepEqual(problems({ tracking: { splitTo: "8KiB" } }), [
    "tracking.splitTo: 8KiB is not a page size of vendor intel: 4KiB, 2MiB, 1GiB",
  ]);
  // equal sizes are allowed: nothing to split (so a sweep over pageSize x split is legal)
  assert.ok(
    checkConfig({ iommu: { pageSize: "4KiB" }, tracking: { split: "eager", splitTo: "4KiB" } }).ok,
  );
});

Deno.test("cross-field: memory is a multiple of pageSize", () => {
  assert.deepEqual(
    problems({ guest: { memory: "3GiB" }, iommu: { pageSize: "2GiB" } })[0],
    "iommu.pageSize: 2GiB is not a page size of vendor intel: 4KiB, 2MiB, 1GiB",
  );
  assert.deepEqual(problems({ guest: { memory: "3MiB" }, workload: { workingSet: "1MiB" } }), [
    "guest.memory: 3MiB is not a multiple of iommu.pageSize 2MiB",
  ]);
  assert.ok(checkConfig({ guest: { memory: "4GiB" }, iommu: { pageSize: "1GiB" } }).ok);
});

Deno.test("cross-field: ways divide entries, and sets are a power of two", () => {
  assert.deepEqual(problems({ iommu: { iotlb: { entries: 64, ways: 5 } } }), [
    "iommu.iotlb.ways: 5 does not divide iommu.iotlb.entries 64",
  ]);
  assert.deepEqual(problems({ iommu: { walkCache: { entries: 24, ways: 5 } } }), [
    "iommu.walkCache.ways: 5 does not divide iommu.walkCache.entries 24",
  ]);
  assert.deepEqual(problems({ iommu: { iotlb: { entries: 48, ways: 8 } } }), [
    "iommu.iotlb: 48 entries / 8 ways = 6 sets, not a power of two",
  ]);
  assert.deepEqual(problems({ iommu: { iotlb: { entries: 0, ways: 1 } } }), [
    "iommu.iotlb.entries: 0 is too small: the IOTLB needs at least one entry",
  ]);
  assert.ok(checkConfig({ iommu: { iotlb: { entries: 64, ways: 64 } } }).ok);
});

Deno.test("cross-field: the working set fits guest memory", () => {
  assert.deepEqual(
    problems({ guest: { memory: "1GiB" }, workload: { workingSet: "1GiB", offset: "2MiB" } }),
    [
      "workload: offset 2MiB + workingSet 1GiB = 1.002GiB is beyond guest.memory 1GiB",
    ],
  );
  assert.deepEqual(problems({ workload: { accessSize: "128MiB" } }), [
    "workload.accessSize: 128MiB is larger than workload.workingSet 64MiB",
  ]);
  assert.deepEqual(problems({ workload: { kind: "ring", buffers: 1024, bufferSize: "1MiB" } }), [
    "workload.buffers: 1024 buffers of 1MiB do not fit workload.workingSet 64MiB",
  ]);
});

Deno.test("cross-field: the provisioning read interval is positive", () => {
  assert.deepEqual(problems({ tracking: { readInterval: 0 } }), [
    "tracking.readInterval: 0 is too small: must be > 0 ms",
  ]);
});

Deno.test("cross-field: every mix part fits guest memory", () => {
  assert.deepEqual(
    problems({
      guest: { memory: "64MiB" },
      workload: {
        kind: "mix",
        workingSet: "8MiB",
        parts: [
          { kind: "uniform", weight: 1 },
          { kind: "stream", weight: 1, offset: "60MiB", workingSet: "8MiB" },
        ],
      },
    }),
    ["workload.parts[1]: offset + workingSet is beyond guest.memory 64MiB"],
  );
});

Deno.test("cross-field: device tracking page size", () => {
  assert.deepEqual(problems({ tracking: { device: { pageSize: 3000 } } }), [
    "tracking.device.pageSize: 3000B is not a power of two >= 4KiB",
  ]);
});

Deno.test("every problem is reported at once, as a ConfigError without a stack in its message", () => {
  try {
    parseConfig({ tracking: { split: "eagre", mode: "x" } });
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 2);
    assert.match(
      e.message,
      /invalid config:\n {2}tracking\.mode: "x" is not one of iommu, device, none\n {2}tracking\.split/,
    );
  }
});

Deno.test("key=value overrides merge into a config", () => {
  const input = applyOverrides({ tracking: { mode: "iommu" } }, [
    "tracking.split=lazy",
    "iommu.pageSize=2MiB",
    "iommu.iotlb.entries=128",
    "tracking.unsafeSkipFlush=true",
  ]);
  const c = parseConfig(input);
  assert.equal(c.tracking.split, "lazy");
  assert.equal(c.tracking.mode, "iommu");
  assert.equal(c.iommu.iotlb.entries, 128);
  assert.equal(c.tracking.unsafeSkipFlush, true);
  assert.throws(() => applyOverrides({}, ["tracking.split"]), /not a key=value override/);
});

Deno.test("the exported JSON Schema file is current", async () => {
  const onDisk = await Deno.readTextFile(new URL(`../../${JSON_SCHEMA_PATH}`, import.meta.url));
  assert.equal(onDisk, runConfigJsonSchemaText(), `regenerate with: deno task schema`);
  const schema = JSON.parse(onDisk);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties), [
    "seed",
    "guest",
    "iommu",
    "tracking",
    "workload",
    "dma",
    "migration",
  ]);
});
