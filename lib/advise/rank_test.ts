// Judging and ranking on hand-made rows (no simulation): which limit a
// configuration misses, the migration-time order with its tie band, the
// runner-up that differs, the guest-cost metric each kind of result supports,
// the what-ifs worked out when nothing meets, and the figure's marks.

import assert from "node:assert/strict";
import { parseConfig } from "../config/mod.ts";
import { adviseFigure } from "./figure.ts";
import { type Candidate, candidateGrid } from "./grid.ts";
import type { Limits } from "./input.ts";
import { downtime, guestCost, type Row } from "./metrics.ts";
import { evaluate, notes, rank, recommendationText, tradeText } from "./rank.ts";
import { whatIfs } from "./whatif.ts";

const MiB = 2 ** 20, GiB = 2 ** 30;
const limits: Limits = {
  memoryBytes: GiB,
  bandwidthBytesPerSec: 1.25e9,
  downtimeMs: 300,
  maxRounds: 30,
  defaulted: [],
  written: {},
};
const { candidates } = candidateGrid({}, parseConfig({ guest: { memory: "1GiB" } }));
const byId = (id: string) => candidates.find((c) => c.id === id)!;

/** A run row: a converged, cheap migration unless told otherwise. */
function row(over: Partial<Record<string, unknown>> = {}): Row {
  return {
    status: "ok",
    bytesTransferred: 1.06 * GiB,
    dirtyBytesTransferred: 0.06 * GiB,
    migrationMs: 911,
    downtimeMs: 52,
    converged: true,
    rounds: 1,
    iotlbMissRate: 0,
    iotlbMissRateBaseline: 0.001,
    invalidationNs: 2000,
    invalidations: 1,
    domainFlushes: 2,
    splits: 0,
    lostWrites: 0,
    ...over,
  };
}

const tolerance = { defaultSlowdown: 0.05 };

function judge(rows: Map<string, Row[]>) {
  const all = [...rows.values()].flat();
  const guest = guestCost(all, tolerance);
  const down = downtime(all);
  const evaluated = evaluate(candidates, (c) => rows.get(c.id) ?? [], limits, guest, down);
  return { guest, evaluated, ranking: rank(evaluated) };
}

Deno.test("guest cost: the miss rate stands in for a slowdown until results carry one", () => {
  const plain = guestCost([row(), row({ iotlbMissRateBaseline: 0.02 })], tolerance);
  assert.equal(plain.metric, "iotlbMissRate");
  assert.equal(plain.reference, 0.001);
  assert.ok(Math.abs(plain.limit - 0.051) < 1e-12);
  assert.match(plain.limitText, /stand-in/);
  assert.match(plain.text, /no guestDmaSlowdown yet/);

  const asked = guestCost([row()], { ...tolerance, maxMissRate: 0.1 });
  assert.equal(asked.limit, 0.1);

  // Results with the DMA timing metrics: slowdown against the best untracked throughput.
  const timed = [
    row({ guestDmaSlowdown: 0.01, dmaThroughput: 90, dmaThroughputBaseline: 100 }),
    row({ guestDmaSlowdown: 0, dmaThroughput: 50, dmaThroughputBaseline: 50 }),
  ];
  const slow = guestCost(timed, { ...tolerance, maxSlowdown: 0.2 });
  assert.equal(slow.metric, "guestDmaSlowdown");
  assert.equal(slow.limit, 0.2);
  assert.ok(Math.abs(slow.value(timed[0]) - 0.1) < 1e-12);
  // A page size slow with or without tracking is not free: 50 of the best 100.
  assert.equal(slow.value(timed[1]), 0.5);

  assert.equal(downtime([row()]).value(row()), 52);
  // An engine that measures the read already holds the last one in downtimeMs.
  assert.equal(downtime([row({ dirtyReadNs: 3e6 })]).value(row({ dirtyReadNs: 3e6 })), 52);
});

Deno.test("evaluate: each limit missed is named; every run must meet them", () => {
  const rows = new Map<string, Row[]>([
    ["2MiB/none/round", [row(), row()]],
    ["1GiB/none/round", [row({ converged: false, rounds: 30, downtimeMs: 860 })]],
    ["4KiB/none/round", [row({ iotlbMissRate: 0.21 })]],
    ["2MiB/eager/round", [row({ downtimeMs: 320 })]],
    ["2MiB/lazy/round", [row(), row({ converged: false })]],
    ["2MiB/lazy/64", [row({ lostWrites: 3 })]],
    ["2MiB/lazy/1", [{ status: "failed", error: "boom\nstack" }]],
  ]);
  const { evaluated } = judge(rows);
  const kinds = (id: string) =>
    evaluated.find((e) => e.candidate.id === id)!.failures.map((f) => f.kind);
  assert.deepEqual(kinds("2MiB/none/round"), []);
  assert.deepEqual(kinds("1GiB/none/round"), ["converge"]);
  assert.deepEqual(kinds("4KiB/none/round"), ["guest"]);
  assert.deepEqual(kinds("2MiB/eager/round"), ["downtime"]);
  assert.deepEqual(kinds("2MiB/lazy/round"), ["converge"]);
  assert.deepEqual(kinds("2MiB/lazy/64"), ["lost"]);
  assert.deepEqual(kinds("2MiB/lazy/1"), ["failed"]);
  const lazy = evaluated.find((e) => e.candidate.id === "2MiB/lazy/round")!;
  assert.equal(lazy.failures[0].text, "did not converge in 30 rounds (1 of 2 runs)");
  assert.equal(
    evaluated.find((e) => e.candidate.id === "2MiB/lazy/1")!.failures[0].text,
    "the simulation failed: boom",
  );
});

Deno.test("rank: fastest first; within 1 % the cheaper guest, the less flush work, the fewer splits", () => {
  const rows = new Map<string, Row[]>([
    ["2MiB/none/64", [row({ migrationMs: 912, invalidationNs: 3000 })]],
    ["2MiB/none/round", [row({ migrationMs: 911, invalidationNs: 2000 })]],
    ["2MiB/lazy/round", [row({ migrationMs: 910, splits: 30, invalidationNs: 20000 })]],
    ["1GiB/eager/round", [row({ migrationMs: 905, iotlbMissRate: 0.03, splits: 512 })]],
    ["4KiB/none/round", [row({ migrationMs: 850, bytesTransferred: GiB, iotlbMissRate: 0.04 })]],
    ["2MiB/eager/round", [row({ migrationMs: 990, bytesTransferred: 1.1 * GiB })]],
  ]);
  const { ranking, guest } = judge(rows);
  assert.deepEqual(ranking.ranked.map((e) => e.candidate.id), [
    "4KiB/none/round", // 850 ms: alone in its band
    "2MiB/none/round", // 905-912 ms tie: guest cost 0 first, then no splits, then flush work
    "2MiB/none/64",
    "2MiB/lazy/round",
    "1GiB/eager/round",
    "2MiB/eager/round",
  ]);
  const rec = ranking.recommendation!;
  assert.equal(rec.candidate.id, "4KiB/none/round");
  // The runner-up differs in page size or split, and in outcome.
  assert.equal(ranking.runnerUp!.candidate.id, "2MiB/none/round");
  const text = recommendationText(ranking, guest);
  assert.match(text, /^Use 4 KiB IO pages, without splitting, one domain flush per read:/);
  assert.match(text, /of the 6 configurations that meet the limits it migrates fastest/);
  assert.match(text, /costs the guest 4% IOTLB miss rate, within the 5\.1% tolerance/);
  assert.match(
    tradeText(rec, ranking.runnerUp!, guest),
    /^sends 6% more data \(1\.06 GiB vs 1 GiB\), costs the guest less: IOTLB miss rate 0% vs 4%$/,
  );
});

Deno.test("rank: a runner-up that behaves the same is said to", () => {
  const rows = new Map<string, Row[]>([
    ["2MiB/none/round", [row()]],
    ["2MiB/lazy-t2/round", [row()]],
  ]);
  const { ranking, guest } = judge(rows);
  assert.equal(ranking.recommendation!.candidate.id, "2MiB/none/round");
  assert.match(
    tradeText(ranking.recommendation!, ranking.runnerUp!, guest),
    /^behaves the same here/,
  );
});

Deno.test("notes: huge pages that cannot converge unsplit, when a split does", () => {
  const rows = new Map<string, Row[]>([
    ["1GiB/none/round", [row({ converged: false, rounds: 30, dirtyBytesTransferred: 30 * GiB })]],
    ["1GiB/eager/round", [row()]],
    ["2MiB/none/round", [row({ converged: false, rounds: 30 })]],
  ]);
  const { evaluated } = judge(rows);
  const n = notes(evaluated, limits);
  assert.equal(n.length, 1, n.join("\n"));
  assert.match(
    n[0],
    /^Tracking 1GiB pages without a split cannot converge: every read finds about 1 GiB dirty/,
  );
  assert.match(n[0], /more than the 357\.6 MiB the link sends within the downtime limit/);
});

Deno.test("what-ifs when nothing meets: the downtime the best one needed, the bandwidth, a tolerance, the device", () => {
  const rows = new Map<string, Row[]>([
    ["2MiB/none/round", [row({ converged: false, rounds: 30, downtimeMs: 800 })]],
    ["4KiB/none/round", [row({ iotlbMissRate: 0.3 })]],
  ]);
  const { evaluated, ranking, guest } = judge(rows);
  assert.equal(ranking.recommendation, undefined);
  const w = whatIfs(evaluated, limits, guest);
  assert.deepEqual(w.map((x) => x.kind), ["tolerance", "downtime", "bandwidth", "device"]);
  assert.equal(w[0].value, 0.3);
  assert.ok(w[0].result?.meets);
  assert.equal(w[1].value, 840); // 800 ms × 1.05, two significant digits up
  assert.equal(w[1].limits.downtimeMs, 840);
  // 800 ms of data at 1.25 GB/s fits 300 ms at 3.33 GB/s; with a 10 % margin, rounded up.
  assert.equal(w[2].value, 3.7e9);
  assert.equal(w[3].candidate.pageSize, GiB);
  assert.deepEqual(w[3].overrides, { "tracking.mode": "device" });
});

Deno.test("figure: every configuration that ran is a mark; the recommendation is ringed and labelled", () => {
  const rows = new Map<string, Row[]>([
    ["2MiB/none/round", [row()]],
    ["2MiB/none/64", [row({ invalidationNs: 5000 })]],
    ["4KiB/none/round", [row({ iotlbMissRate: 0.21, bytesTransferred: GiB })]],
    ["1GiB/none/round", [row({ converged: false, bytesTransferred: 7 * GiB, rounds: 30 })]],
  ]);
  const { evaluated, ranking, guest } = judge(rows);
  const svg = adviseFigure(evaluated, ranking, guest, {
    title: "advise: test",
    subtitle: ["a device"],
    caption: ["a caption"],
  });
  // Standalone: the root <svg> has its own namespace.
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const count = (cls: string) =>
    [...svg.matchAll(new RegExp(`<g[^>]*class="${cls}"[^>]*>([\\s\\S]*?)</g>`, "g"))]
      .reduce((n, m) => n + (m[1].match(/<(path|circle)/g) ?? []).length, 0);
  assert.equal(count("configuration"), 4);
  assert.equal(count("not-converged"), 1);
  assert.equal(count("recommendation"), 1);
  assert.match(svg, /recommended: none, batch round/);
  assert.match(svg, /guest tolerance 5\.1%/);
  assert.match(svg, /<text class="figure-title"[^>]*>advise: test</);
});

// Candidates are data: the grid has every page size × split variant × batch,
// but splits only above the split target.
Deno.test("grid: 33 configurations, no split at 4 KiB; restrictions narrow it", () => {
  assert.equal(candidates.length, 3 + 5 * 3 * 2);
  assert.ok(!candidates.some((c: Candidate) => c.pageSize === 4096 && c.variant.split !== "none"));
  assert.ok(byId("1GiB/lazy-early/64"));
  const only = candidateGrid(
    { pageSizes: [2 * MiB], splits: ["lazy"], lazyThreshold: 3 },
    parseConfig({ guest: { memory: "1GiB" } }),
  ).candidates;
  assert.deepEqual(only.map((c) => c.id), [
    "2MiB/lazy-t3-s0/1",
    "2MiB/lazy-t3-s0/64",
    "2MiB/lazy-t3-s0/round",
  ]);
  const omitted = candidateGrid({}, parseConfig({ guest: { memory: "1536MiB" } })).omitted;
  assert.match(omitted[0], /^1GiB pages \(guest memory 1\.5GiB is not a multiple\)/);
});
