// Input resolution: limits with QEMU's defaults, the guest's tolerance, the
// one-workload rule, swept keys as grid restrictions, traces in any accepted
// spelling stored once under their content's hash, and a measured dirty rate
// turned into a workload with that rate of distinct pages.

import assert from "node:assert/strict";
import { AdviseError, parseFraction } from "./mod.ts";
import { resolveInput } from "./input.ts";
import { dirtyRateWorkload, uniformDistinct, zipfDistinct } from "./dirty_rate.ts";

const MiB = 2 ** 20;

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "advise_input_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseFraction: percentages and fractions of 1; anything else names the option", () => {
  assert.equal(parseFraction("5%", "--max-slowdown"), 0.05);
  assert.equal(parseFraction("12.5 %", "--max-slowdown"), 0.125);
  assert.equal(parseFraction("0.05", "--max-slowdown"), 0.05);
  assert.equal(parseFraction(0.2, "--max-miss-rate"), 0.2);
  for (const bad of ["5", "abc", "150%", "-1%", ""]) {
    assert.throws(
      () => parseFraction(bad, "--max-slowdown"),
      (e: Error) =>
        e instanceof AdviseError && /^--max-slowdown: .* is not a fraction/.test(e.message),
      bad,
    );
  }
});

const zipf = ["workload.kind=zipf", "workload.workingSet=64MiB", "workload.rate=100k/s"];

Deno.test("limits: QEMU's defaults where none is given, and said to be defaults", async () => {
  const r = await resolveInput({ overrides: zipf });
  assert.equal(r.limits.bandwidthBytesPerSec, 128 * MiB);
  assert.equal(r.limits.downtimeMs, 300);
  assert.equal(r.limits.memoryBytes, 1024 * MiB);
  assert.equal(r.limits.maxRounds, 30);
  assert.deepEqual(r.limits.defaulted, ["memory", "bandwidth", "downtime", "guest"]);
  assert.equal(r.config.migration.overheadDelaysRound, true);
  assert.deepEqual(r.runs, [{ seed: 1 }, { seed: 2 }, { seed: 3 }]);

  const g = await resolveInput({
    overrides: zipf,
    memory: "2GiB",
    bandwidth: "10Gbit/s",
    downtime: "50ms",
    maxSlowdown: "2%",
    quick: true,
  });
  assert.equal(g.limits.bandwidthBytesPerSec, 1.25e9);
  assert.equal(g.limits.downtimeMs, 50);
  assert.equal(g.limits.maxSlowdown, 0.02);
  assert.deepEqual(g.limits.defaulted, []);
  assert.equal(g.limits.written.bandwidth, "10Gbit/s");
  assert.equal(g.config.guest.memory, 2048 * MiB);
  assert.deepEqual(g.runs, [{ seed: 1 }]);
});

Deno.test("bad input is one AdviseError naming the option or key", async () => {
  const cases: [Parameters<typeof resolveInput>[0], RegExp][] = [
    [{}, /^no workload: give a DMA trace \(--trace FILE\)/],
    [
      { overrides: zipf, trace: "x.csv" },
      /^give one workload, not --trace and workload\.\* overrides/,
    ],
    [{ overrides: zipf, bandwidth: "10Gbit" }, /^--bandwidth: "10Gbit" is not a bandwidth/],
    [{ overrides: zipf, downtime: "fast" }, /^--downtime: "fast" is not a duration/],
    [{ overrides: zipf, memory: "1GiB", config: { guest: { memory: "2GiB" } } }, /both given/],
    [{ overrides: zipf, maxSlowdown: "5%", maxMissRate: "10%" }, /give one tolerance/],
    [{ overrides: zipf, runs: "0" }, /^--runs: "0" is not a whole number >= 1/],
    [{ overrides: [...zipf, "tracking.splt=lazy"] }, /tracking: unknown key "splt"/],
    [{ overrides: ["workload.kind=zipf", "workload.s=-1"] }, /workload\.s/],
    [{ dirtyRate: "100", dirtyRateShape: "gauss" }, /--dirty-rate-shape: "gauss" is not one of/],
    [{ trace: "/nonexistent/t.csv" }, /--trace: trace file "\/nonexistent\/t\.csv" not found/],
  ];
  for (const [req, message] of cases) {
    await assert.rejects(
      resolveInput(req),
      (e: Error) =>
        e instanceof AdviseError && message.test(e.message) && !e.message.includes("\n"),
      `${JSON.stringify(req)} should fail with ${message}`,
    );
  }
});

Deno.test("swept keys given as overrides restrict the grid and leave the base", async () => {
  const r = await resolveInput({
    overrides: [...zipf, "iommu.pageSize=2MiB", "tracking.clearBatch=1,64", "tracking.split=lazy"],
  });
  assert.deepEqual(r.restrictions, {
    pageSizes: [2 * MiB],
    clearBatches: [1, 64],
    splits: ["lazy"],
  });
  const tracking = r.base.tracking as Record<string, unknown> | undefined;
  assert.equal(tracking?.split, undefined);
  assert.equal((r.base.iommu as Record<string, unknown> | undefined)?.pageSize, undefined);
  const p = await resolveInput({ overrides: zipf, pageSizes: ["4KiB,1GiB"] });
  assert.deepEqual(p.restrictions.pageSizes, [4096, 2 ** 30]);
});

Deno.test("a trace in any spelling is replayed from one canonical copy named by its content", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/a.csv`,
      "time,iova,length,write\n0,4096,64,1\n1000,8192,4096,0\n2000,4096,64,1\n",
    );
    await Deno.writeTextFile(
      `${dir}/b.csv`,
      "timestamp_us,addr,len,op\n0,0x1000,64,W\n1,0x2000,4096,R\n2,0x1000,64,W\n",
    );
    const a = await resolveInput({ trace: "a.csv", baseDir: dir, traceDir: `${dir}/canon` });
    const b = await resolveInput({ trace: `${dir}/b.csv`, traceDir: `${dir}/canon` });
    const ta = a.source.trace!, tb = b.source.trace!;
    assert.equal(ta.canonicalPath, tb.canonicalPath);
    assert.match(ta.canonicalPath, /canon\/[0-9a-f]{16}\.csv$/);
    assert.deepEqual(a.base.workload, { kind: "trace", path: ta.canonicalPath, loop: true });
    assert.equal(ta.rows, 3);
    assert.equal(ta.pagesWritten, 1);
    assert.equal(ta.periodNs, 3000);
    assert.equal(ta.writeFraction, 2 / 3);
    assert.equal(ta.spelling, "");
    assert.match(tb.spelling, /time from column timestamp_us \(us\), iova from column addr/);
    // Runs of a trace are start phases of its loop (a trace ignores the seed).
    assert.deepEqual(a.runs.map((r) => (r.migration as { warmup: number }).warmup), [
      200,
      200 + 0.003 / 3,
      200 + 0.006 / 3,
    ]);
    assert.match(a.runsText, /3 start phases/);
    // The sample trace as CSV and as Parquet: one canonical copy.
    const csv = await resolveInput({
      trace: "data/traces/nic_queue.csv",
      traceDir: `${dir}/canon`,
    });
    const pq = await resolveInput({
      trace: "data/traces/nic_queue.parquet",
      traceDir: `${dir}/canon`,
    });
    assert.equal(csv.source.trace!.canonicalPath, pq.source.trace!.canonicalPath);
    assert.equal(pq.source.trace!.rows, 1750);
    // A malformed row: the trace's own message, naming the row and the column.
    await Deno.writeTextFile(
      `${dir}/bad.csv`,
      "time,iova,length,write\n0,4096,64,1\n5,0x1g,64,1\n",
    );
    await assert.rejects(
      resolveInput({ trace: `${dir}/bad.csv`, traceDir: `${dir}/canon` }),
      /bad\.csv: row 2 \(line 3\), column iova: "0x1g" is not an address/,
    );
  });
});

Deno.test("a measured dirty rate becomes a workload dirtying that many distinct pages per calc-time", async () => {
  // Occupancy: n uniform draws over w pages hit w(1 - (1 - 1/w)^n) of them.
  assert.ok(Math.abs(uniformDistinct(100, 100) - 100 * (1 - 0.99 ** 100)) < 1e-9);
  assert.ok(Math.abs(zipfDistinct(100, 0, 100) - uniformDistinct(100, 100)) < 1e-9);

  const pages = (256 * MiB) / 4096;
  const u = dirtyRateWorkload({
    bytesPerSec: 64 * MiB,
    overBytes: 256 * MiB,
    calcTimeMs: 1000,
    shape: "uniform",
    s: 0.99,
  });
  assert.equal(u.workload.kind, "uniform");
  const want = (64 * MiB) / 4096;
  assert.ok(Math.abs(uniformDistinct(pages, u.opsPerSec) - want) < 0.01 * want);
  assert.ok(u.opsPerSec > want); // re-dirtied pages cost writes too
  assert.match(u.text, /64 MB\/s \(QEMU's MB, = 64MiB\/s\) over 256MiB/);

  const z = dirtyRateWorkload({
    bytesPerSec: 16 * MiB,
    overBytes: 256 * MiB,
    calcTimeMs: 1000,
    shape: "zipf",
    s: 1.1,
  });
  assert.equal(z.workload.kind, "zipf");
  const wz = (16 * MiB) / 4096;
  assert.ok(Math.abs(zipfDistinct(pages, 1.1, z.opsPerSec) - wz) < 0.01 * wz);

  assert.throws(
    () =>
      dirtyRateWorkload({
        bytesPerSec: 512 * MiB,
        overBytes: 256 * MiB,
        calcTimeMs: 1000,
        shape: "uniform",
        s: 0.99,
      }),
    /not less than the 256MiB it was measured over/,
  );

  // Through resolveInput: a bare number is QEMU's MB/s (MiB/s) over all guest memory.
  const r = await resolveInput({ dirtyRate: "32", memory: "512MiB" });
  assert.equal(r.source.kind, "dirty-rate");
  assert.equal(r.config.workload.kind, "uniform");
  assert.equal(r.config.workload.workingSet, 512 * MiB);
  assert.equal(r.config.workload.writeFraction, 1);
  const r2 = await resolveInput({ dirtyRate: "32MiB/s", memory: "512MiB" });
  assert.equal(r2.config.workload.rate, r.config.workload.rate);
});
