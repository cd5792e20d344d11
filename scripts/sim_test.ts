// The `sim` command as a user runs it: readable output, --json that is exactly
// simulate()'s object and byte-identical across runs, and exit code 2 with a
// one-line message (no stack trace) for a bad config or a missing trace.

import assert from "node:assert/strict";
import { cli } from "../lib/testing/helpers.ts";

const small = ["guest.memory=64MiB", "workload.workingSet=8MiB", "migration.warmup=5"];

const sim = (...args: string[]) => cli("sim", args);

Deno.test("sim --json is simulate()'s object, byte-identical for the same config and seed", async () => {
  const a = await sim(...small, "tracking.split=lazy", "--json");
  const b = await sim(...small, "tracking.split=lazy", "--json");
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const r = JSON.parse(a.stdout);
  assert.deepEqual(Object.keys(r), ["config", "summary", "rounds"]);
  assert.equal(r.config.tracking.split, "lazy");
  assert.equal(r.config.guest.memory, 64 * 2 ** 20);
  const c = await sim(...small, "tracking.split=lazy", "seed=2", "--json");
  assert.notEqual(c.stdout, a.stdout);
});

Deno.test("sim --json reports the guest DMA throughput metrics and the dirty-read time", async () => {
  const r = await sim(...small, "tracking.split=eager", "workload.accessSize=64", "--json");
  assert.equal(r.code, 0, r.stderr);
  const { summary, rounds } = JSON.parse(r.stdout);
  for (const k of ["dmaThroughput", "dmaThroughputBaseline", "dmaThroughputNoIommu"]) {
    assert.ok(summary[k] > 0, `${k} ${summary[k]}`);
  }
  assert.ok(
    Math.abs(
      summary.guestDmaSlowdown - (1 - summary.dmaThroughput / summary.dmaThroughputBaseline),
    ) < 1e-12,
  );
  assert.ok(summary.dmaThroughputNoIommu >= summary.dmaThroughput);
  assert.ok(summary.dirtyReadNs > 0);
  const readNs = rounds.reduce((s: number, x: { readNs: number }) => s + x.readNs, 0);
  assert.ok(Math.abs(readNs - summary.dirtyReadNs) < 1e-6);
  assert.ok(rounds[0].dmaThroughput > 0);
});

Deno.test("sim prints a readable summary and per-round table", async () => {
  const r = await sim(...small);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /iotlbMissRate\s+\d+\.\d+%/);
  assert.match(r.stdout, /bytesTransferred\s+\S+ \([\d,]+ B\)/);
  assert.match(r.stdout, /round\s+start\s+duration\s+sent/);
  assert.match(r.stdout, /guestDmaSlowdown\s+-?\d+\.\d+%/);
  assert.match(r.stdout, /dirtyReadNs\s+[\d,]+ \(/);
  assert.match(r.stdout, /\(stop\)/);
});

Deno.test("sim: a bad config is a clear message and exit code 2", async () => {
  const r = await sim("tracking.split=eagre");
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 'sim: tracking.split: "eagre" is not one of none, eager, lazy');
  const u = await sim("trackin.split=lazy");
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown key "trackin"/);
  assert.doesNotMatch(u.stderr, /\n\s+at /, "no stack trace");
  for (const args of [["foo"], ["tracking.split=lazy", "tracking.split.x=1"], ["--bogus"]]) {
    const r = await sim(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(" ")}: no stack trace`);
  }
});

Deno.test("sim: a missing trace file or config file is exit code 2", async () => {
  const r = await sim(
    "workload.kind=trace",
    "workload.path=/nonexistent/trace.csv",
    ...small.slice(0, 1),
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /\/nonexistent\/trace\.csv/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const c = await sim("--config", "/nonexistent/run.json");
  assert.equal(c.code, 2);
  assert.match(c.stderr, /cannot read config file \/nonexistent\/run\.json/);
});

Deno.test("sim --config reads a JSON file and overrides apply on top", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      $schema: "../data/run-config.schema.json",
      guest: { memory: "64MiB" },
      tracking: { split: "eager" },
      workload: { workingSet: "8MiB" },
    }),
  );
  const r = await sim("--config", file, "tracking.split=none", "--json");
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.config.tracking.split, "none");
  assert.equal(out.config.workload.workingSet, 8 * 2 ** 20);
  await Deno.remove(file);
});
