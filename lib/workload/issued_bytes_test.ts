// issuedBytes, the payload counter the DMA throughput model reads once a
// phase: for every kind it is Σ length over every operation filled, kept per
// batch by the generators (never a pass over the batch by their caller).

import assert from "node:assert/strict";
import type { RunConfigInput } from "../config/mod.ts";
import { createBatch } from "./mod.ts";
import { generator } from "./test_util.ts";

const TRACE = new URL("../../data/traces/nic_queue.csv", import.meta.url).pathname;

const KINDS: [string, RunConfigInput["workload"]][] = [
  ["uniform", { kind: "uniform", accessSize: 64 }],
  ["zipf", { kind: "zipf", accessSize: 256 }],
  ["stream", { kind: "stream" }],
  // 3 KiB buffers in 2 KiB operations: every other length is 1 KiB.
  ["ring", { kind: "ring", buffers: 8, bufferSize: "3KiB", accessSize: "2KiB" }],
  ["mix", {
    kind: "mix",
    parts: [
      { kind: "uniform", weight: 1, accessSize: 64 },
      { kind: "ring", weight: 2, buffers: 4, bufferSize: "3KiB", accessSize: "2KiB" },
    ],
  }],
  ["trace", { kind: "trace", path: TRACE }],
];

for (const [name, workload] of KINDS) {
  Deno.test(`issuedBytes of ${name} is the sum of the lengths it filled`, async () => {
    const g = await generator(workload, { memory: "1GiB" });
    const batch = createBatch(1000);
    let ops = 0, bytes = 0;
    // Several fills of uneven reach, so partial batches are counted too.
    for (const untilNs of [1e5, 3.3e5, 1e6, 2.5e6]) {
      for (;;) {
        const n = g.fill(batch, untilNs);
        for (let i = 0; i < n; i++) bytes += batch.length[i];
        ops += n;
        if (n < 1000) break;
      }
      assert.equal(g.issued, ops);
      assert.equal(g.issuedBytes, bytes);
    }
    assert.ok(ops > 0, "the workload issued operations");
  });
}
