// `deno task advise` as a user runs it: a recommendation (exit 0) in text or
// --json with its figure written, "nothing meets" (exit 1), bad input as one
// line without a stack trace (exit 2), and every advise command of the README
// (run with --quick and a scratch store, so the README cannot rot cheaply).

import assert from "node:assert/strict";
import { cli, ROOT } from "../lib/testing/helpers.ts";

const advise = (args: string[]) => cli("advise", args);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "advise_cli_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("advise: bad input is one line on stderr, no stack trace, exit code 2", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/bad.csv`,
      "time_us,addr,len,op\n0,0x1000,64,W\n1,0x2000,64,X\n",
    );
    const cases: [string[], RegExp][] = [
      [[], /^advise: no workload: give a DMA trace \(--trace FILE\)/],
      [
        ["--trace", "data/traces/nic_queue.csv", "--bandwidth", "10Gbit"],
        /^advise: --bandwidth: "10Gbit" is not a bandwidth/,
      ],
      [
        ["--trace", "data/traces/nic_queue.csv", "--max-slowdown", "5"],
        /^advise: --max-slowdown: "5" is not a fraction/,
      ],
      [
        ["--trace", `${dir}/bad.csv`],
        /^advise: .*bad\.csv: row 2 \(line 3\), column op: "X" is not a direction/,
      ],
      [["--trace", "data/traces/nic_queue.csv", "tracking.split=eagre"], /tracking\.split/],
      [["--trace", "data/traces/nic_queue.csv", "--memory", "64MiB"], /outside guest memory/],
      [["--no-such-option"], /unknown option/],
    ];
    for (const [args, message] of cases) {
      const r = await advise([...args, "--store", `${dir}/r.duckdb`]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      if (!args.includes("--no-such-option")) {
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    }
  });
});

Deno.test("advise: a recommendation, as text and as --json, with its figure (exit 0)", async () => {
  await withDir(async (dir) => {
    const args = [
      "--trace",
      "data/traces/nic_queue.csv",
      "--memory",
      "256MiB",
      "--bandwidth",
      "10Gbit/s",
      "--downtime",
      "300ms",
      "--quick",
      "--store",
      `${dir}/r.duckdb`,
    ];
    const j = await advise([...args, "--json", "--figure", `${dir}/fig.svg`]);
    assert.equal(j.code, 0, j.stderr);
    const a = JSON.parse(j.stdout);
    assert.equal(a.meets, true);
    assert.match(a.answer, /^Use /);
    assert.ok(a.recommendation.config["iommu.pageSize"] > 0);
    // This engine's results carry the DMA timing model's slowdown (MODEL §12).
    assert.equal(a.guestCost.metric, "guestDmaSlowdown");
    assert.equal(a.limits.bandwidthBytesPerSec, 1.25e9);
    assert.deepEqual(a.limits.defaulted, ["guest"]);
    // Every configuration is ranked or rejected. (This trace's 16-54 B requests keep the
    // device's window the bound at any page size: every configuration meets 5 %.)
    assert.ok(a.ranked.length >= 1);
    assert.equal(a.ranked.length + a.rejected.length, 18);
    assert.ok(a.assumptions.length >= 5);
    assert.equal(a.figure, `${dir}/fig.svg`);
    assert.match(await Deno.readTextFile(`${dir}/fig.svg`), /class="recommendation"/);

    // The same question again: answered from the store.
    const t = await advise([...args, "--no-figure"]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^device: {2}trace data\/traces\/nic_queue\.csv: 1,750 operations/);
    assert.match(t.stdout, /\nUse .* IO pages, /);
    assert.match(t.stdout, /Configurations that meet the limits, best first/);
    assert.match(t.stdout, /Assumptions that matter here:/);
    assert.match(t.stdout, /answered in [\d.]+ s \(0 runs now, \d+ from the store/);
    assert.doesNotMatch(t.stdout, /figure:/);
  });
});

Deno.test("advise: nothing meets the limits: said so, with what would, exit code 1", async () => {
  await withDir(async (dir) => {
    const r = await advise([
      "workload.kind=uniform",
      "workload.workingSet=64MiB",
      "workload.rate=200k/s",
      "workload.writeFraction=1",
      "--memory",
      "128MiB",
      "--bandwidth",
      "32MiB/s",
      "--downtime",
      "10ms",
      "--max-rounds",
      "8",
      "--page-size",
      "2MiB",
      "--quick",
      "--store",
      `${dir}/r.duckdb`,
      "--figure",
      `${dir}/fig.svg`,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /\nNothing meets the limits: none of the 15 configurations converges/);
    assert.match(r.stdout, /What would meet the limits \(each checked by one run\):/);
    assert.match(r.stdout, /a downtime limit of [\d.]+m?s \(now 10ms\) .*: meets them/);
  });
});

Deno.test("README: every advise command runs (with --quick and a scratch store)", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1].replace(/\\\n\s*/g, "").split("\n"))
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l.startsWith("npx -y deno@2.9.6 task advise"));
  assert.ok(commands.length >= 3, `README advise commands: ${commands.length}`);
  await withDir(async (dir) => {
    for (const line of commands) {
      const words = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) =>
        m[1] ?? m[2] ?? m[3]
      ).slice(5);
      const r = await advise([...words, "--quick", "--store", `${dir}/r.duckdb`, "--no-figure"]);
      assert.ok(r.code === 0 || r.code === 1, `${line}: exit ${r.code}: ${r.stderr}`);
      assert.match(r.stdout, /\n(Use |Nothing meets the limits)/, line);
    }
  });
});
