// advise() on constructed workloads whose answer follows from the model:
// a working set that fits the IOTLB even at 4 KiB is told to split (the split
// that sends less); a device writing a few pages all over a guest mapped at
// 1 GiB is told that tracking without a split cannot converge; a budget
// nothing meets gets the "nothing meets" answer with what would meet it.
// Small guests and one run each, so the tests take seconds.

import assert from "node:assert/strict";
import { type Advice, advise, TIE } from "./mod.ts";

const MiB = 2 ** 20, GiB = 2 ** 30;

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "advise_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A trace that writes 64 bytes to each address in turn, one write every `gapNs`. */
async function writeTrace(path: string, addresses: number[], gapNs = 1000): Promise<void> {
  const rows = addresses.map((a, i) => `${i * gapNs},${a},64,1`);
  await Deno.writeTextFile(path, "time,iova,length,write\n" + rows.join("\n") + "\n");
}

const ids = (a: Advice) => a.ranking.ranked.map((e) => e.candidate.id);

Deno.test("a working set that fits the IOTLB at 4 KiB is told to split, with the split that sends less", async () => {
  await withDir(async (dir) => {
    // 32 pages, one in each of 32 2 MiB regions, offset so that they fall in
    // different sets of the 8-way IOTLB: 32 entries fit its 64 at any page size.
    const pages = Array.from({ length: 32 }, (_, k) => k * (2 * MiB + 4096));
    await writeTrace(`${dir}/fits.csv`, pages);
    const a = await advise({
      trace: `${dir}/fits.csv`,
      memory: "256MiB",
      bandwidth: "256MiB/s",
      downtime: "50ms",
      pageSizes: ["2MiB"],
      quick: true,
    }, { store: `${dir}/r.duckdb`, figurePath: `${dir}/fig.svg`, workers: 1 });
    const rec = a.ranking.recommendation!;
    assert.ok(rec, a.answer);
    assert.notEqual(rec.candidate.variant.split, "none", a.answer);
    // Splitting costs the guest nothing: its miss rate stays at the baseline.
    assert.ok(rec.guest.mean - a.guest.reference < 0.001, `${rec.guest.mean}`);
    // Of the splits that meet the limits, it sends the least (ties within the ranking's band).
    const splits = a.ranking.ranked.filter((e) => e.candidate.variant.split !== "none");
    const least = Math.min(...splits.map((e) => e.bytes.mean));
    assert.ok(rec.bytes.mean <= least * (1 + TIE), `${rec.bytes.mean} vs ${least}`);
    // Without a split, 32 whole 2 MiB pages (64 MiB) are dirty at every read:
    // more than 256 MiB/s × 50 ms, so it cannot converge.
    const none = a.evaluated.filter((e) => e.candidate.variant.split === "none");
    assert.ok(none.every((e) => !e.meets && e.failures.some((f) => f.kind === "converge")));
    assert.match(a.answer, /^Use 2 MiB IO pages, splitting/);
    assert.ok(await Deno.stat(`${dir}/fig.svg`));

    // A second call is answered from the store: nothing runs.
    const again = await advise({
      trace: `${dir}/fits.csv`,
      memory: "256MiB",
      bandwidth: "256MiB/s",
      downtime: "50ms",
      pageSizes: ["2MiB"],
      quick: true,
    }, { store: `${dir}/r.duckdb`, figurePath: null, workers: 1 });
    assert.equal(again.sweeps.reduce((s, x) => s + x.ran, 0), 0);
    assert.deepEqual(ids(again), ids(a));
  });
});

Deno.test("a few pages written all over a guest mapped at 1 GiB: no split cannot converge", async () => {
  await withDir(async (dir) => {
    // One page in each 1 GiB region of a 4 GiB guest.
    await writeTrace(`${dir}/scattered.csv`, [0, 1, 2, 3].map((g) => g * GiB + 12 * 4096));
    const a = await advise({
      trace: `${dir}/scattered.csv`,
      memory: "4GiB",
      bandwidth: "4GiB/s",
      downtime: "300ms",
      pageSizes: ["1GiB"],
      quick: true,
    }, { store: `${dir}/r.duckdb`, figurePath: null, workers: 1 });
    const none = a.evaluated.filter((e) => e.candidate.variant.split === "none");
    assert.ok(none.length > 0);
    for (const e of none) {
      assert.ok(!e.meets);
      assert.ok(e.failures.some((f) => f.kind === "converge"), JSON.stringify(e.failures));
    }
    assert.ok(
      a.notes.some((n) => /^Tracking 1GiB pages without a split cannot converge/.test(n)),
      a.notes.join("\n"),
    );
    assert.match(a.notes.join("\n"), /with a split it converges/);
    // So the answer is a split at 1 GiB.
    assert.ok(a.ranking.recommendation, a.answer);
    assert.notEqual(a.ranking.recommendation!.candidate.variant.split, "none");
  });
});

Deno.test("nothing meets a budget that is too tight: the answer says so and what would", async () => {
  await withDir(async (dir) => {
    const a = await advise({
      overrides: [
        "workload.kind=uniform",
        "workload.workingSet=64MiB",
        "workload.rate=200k/s",
        "workload.writeFraction=1",
      ],
      memory: "128MiB",
      bandwidth: "32MiB/s",
      downtime: "10ms",
      maxRounds: 8,
      pageSizes: ["4KiB", "2MiB"],
      quick: true,
    }, { store: `${dir}/r.duckdb`, figurePath: `${dir}/fig.svg`, workers: 1 });
    assert.equal(a.ranking.recommendation, undefined);
    assert.equal(a.ranking.ranked.length, 0);
    assert.match(a.answer, /^Nothing meets the limits/);
    const kinds = a.whatIfs.map((w) => w.kind);
    assert.ok(
      kinds.includes("downtime") && kinds.includes("bandwidth") && kinds.includes("device"),
    );
    // The longer downtime limit is what the best candidate's last copy took: it meets it.
    const downtime = a.whatIfs.find((w) => w.kind === "downtime")!;
    assert.ok(downtime.result?.meets, JSON.stringify(downtime.result?.failures));
    assert.ok(downtime.value! > 10);
    assert.match(a.answer, /What would: a downtime limit of/);
    assert.ok(await Deno.stat(`${dir}/fig.svg`));
  });
});
