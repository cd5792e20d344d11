// checkSimResult on real simulate() results: every rule holds, and each
// broken rule is named in its own line, so a test double checked by the same
// contract cannot drift from the engine.

import assert from "node:assert/strict";
import { checkSimResult, SimContractError, simResultProblems } from "./contract.ts";
import { simulateChecked as simulate } from "./test_util.ts";

const small = {
  guest: { memory: "256MiB" },
  iommu: { pageSize: "2MiB" },
  tracking: { split: "lazy" },
  workload: { kind: "uniform", workingSet: "128MiB", rate: "20k/s" },
  migration: { bandwidth: "64MiB/s" },
};

Deno.test("contract: a real simulate() result keeps every rule", async () => {
  const r = await simulate(small);
  assert.ok(r.rounds.length >= 3, "the run has pre-copy rounds to check");
  assert.deepEqual(simResultProblems(r), []);
  assert.equal(checkSimResult(r), r);
});

Deno.test("contract: each broken rule is named", async () => {
  const r = await simulate(small);
  const broken = structuredClone(r);
  broken.summary.rounds = broken.rounds.length;
  broken.rounds[1].bytesSent += 4096;
  broken.summary.invalidations += 1;
  const problems = simResultProblems(broken);
  assert.equal(problems.length, 5, problems.join("\n"));
  assert.match(problems[0], /^summary\.rounds \d+ != records − 1/);
  assert.match(problems[1], /^rounds\[1\]\.bytesSent \d+ != rounds\[0\]\.dirtyBytes/);
  assert.match(problems.join("\n"), /summary\.dirtyBytesTransferred/);
  assert.match(problems.join("\n"), /summary\.bytesTransferred/);
  assert.match(problems.join("\n"), /summary\.invalidations \d+ != Σ rounds\.invalidations/);
  assert.throws(() => checkSimResult(broken), SimContractError);
});
