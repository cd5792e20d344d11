// The operation streams themselves, pinned: for each case (a workload config
// that takes one of every generator's code paths, and a seed) a 64-bit hash
// of its first operations (iova, length, write and time of each, in order),
// recorded in testdata/streams.json. An optimisation of a generator must leave
// every hash as it is; the stream is also drawn through small batches with
// time-limited fills, which must give the same hash (the operations do not
// depend on how fill() calls are split). `deno run -A
// lib/workload/stream_hash_test.ts --write` records the current hashes: only
// for a change that is meant to move results, saying why in its commit.

import assert from "node:assert/strict";
import { parseConfig, type RunConfigInput } from "../config/mod.ts";
import { createBatch, createWorkload, type WorkloadGenerator } from "./mod.ts";

const FIXTURE = new URL("./testdata/streams.json", import.meta.url);
const M = 1_000_000;

interface Case {
  name: string;
  workload: RunConfigInput["workload"];
  /** Guest memory, bytes or a size string (default 8 GiB). */
  memory?: string | number;
  seeds: number[];
  ops: number;
}

const mix3: RunConfigInput["workload"] = {
  kind: "mix",
  parts: [{ kind: "uniform", weight: 1 }, { kind: "zipf", weight: 1 }, { kind: "ring", weight: 1 }],
};

export const CASES: Case[] = [
  // uniform: a shift (power-of-two slots), Lemire's rejection, 53-bit floats
  { name: "uniform 2^14 slots", workload: { kind: "uniform" }, seeds: [1, 2], ops: 2 * M },
  {
    name: "uniform 10^4 slots, writeFraction 0.1, offset",
    workload: { kind: "uniform", workingSet: 10_000 * 4096, writeFraction: 0.1, offset: "1GiB" },
    seeds: [1, 77],
    ops: M,
  },
  {
    name: "uniform 3 slots (high rejection rate)",
    workload: { kind: "uniform", workingSet: 3 * 2 ** 31 + 5, accessSize: "2GiB" },
    seeds: [3],
    ops: M,
  },
  {
    name: "uniform 64 B, 3·2^22 slots (53-bit)",
    workload: { kind: "uniform", accessSize: 64, workingSet: "768MiB" },
    seeds: [1, 5],
    ops: M,
  },
  {
    name: "uniform 1 slot, writeFraction 1",
    workload: { kind: "uniform", workingSet: 4096, writeFraction: 1 },
    seeds: [1],
    ops: 100_000,
  },
  {
    name: "uniform 2^20 slots, writeFraction 0",
    workload: { kind: "uniform", workingSet: "4GiB", writeFraction: 0 },
    seeds: [9],
    ops: M,
  },
  {
    name: "uniform 2^20 slots, writeFraction 1",
    workload: { kind: "uniform", workingSet: "4GiB", writeFraction: 1 },
    seeds: [1, 4],
    ops: M,
  },
  // zipf: uniform (s = 0), head table only, head + rejection-inversion tail
  {
    name: "zipf s=0.99 contiguous 2^14 pages",
    workload: { kind: "zipf", scatter: false },
    seeds: [1, 2],
    ops: 2 * M,
  },
  { name: "zipf s=0.99 scatter 2^14 pages", workload: { kind: "zipf" }, seeds: [1, 3], ops: 2 * M },
  {
    name: "zipf s=0.99 scatter 2^20 pages",
    workload: { kind: "zipf", workingSet: "4GiB" },
    seeds: [1, 4],
    ops: 4 * M,
  },
  {
    name: "zipf s=0.99 contiguous 2^20 pages, writeFraction 0.1",
    workload: { kind: "zipf", workingSet: "4GiB", scatter: false, writeFraction: 0.1 },
    seeds: [6],
    ops: 2 * M,
  },
  {
    name: "zipf demo: s=1.2 contiguous 256 MiB, writeFraction 0.1",
    workload: { kind: "zipf", s: 1.2, scatter: false, workingSet: "256MiB", writeFraction: 0.1 },
    memory: "1GiB",
    seeds: [1, 2, 3],
    ops: 2 * M,
  },
  {
    name: "zipf s=1 scatter 2^18+3 pages (cycle walk)",
    workload: { kind: "zipf", s: 1, workingSet: (2 ** 18 + 3) * 4096 },
    seeds: [1, 8],
    ops: 2 * M,
  },
  {
    name: "zipf s=0.5 scatter 2^22 pages",
    workload: { kind: "zipf", s: 0.5, workingSet: "16GiB" },
    memory: "16GiB",
    seeds: [2],
    ops: 2 * M,
  },
  {
    name: "zipf s=2.5 scatter 1000 pages",
    workload: { kind: "zipf", s: 2.5, workingSet: 1000 * 4096 },
    seeds: [1],
    ops: M,
  },
  {
    name: "zipf s=0.9 contiguous 2^24 pages (Euler–Maclaurin tail)",
    workload: { kind: "zipf", s: 0.9, scatter: false, workingSet: "64GiB" },
    memory: "64GiB",
    seeds: [1],
    ops: M,
  },
  {
    name: "zipf s=1.5 scatter 2^16+1 pages (one tail rank)",
    workload: { kind: "zipf", s: 1.5, workingSet: (2 ** 16 + 1) * 4096 },
    seeds: [4],
    ops: M,
  },
  {
    name: "zipf s=0 scatter 101 pages",
    workload: { kind: "zipf", s: 0, workingSet: 101 * 4096 },
    seeds: [1],
    ops: M,
  },
  {
    name: "zipf s=0 contiguous, accessSize 3·4 KiB + 5",
    workload: {
      kind: "zipf",
      s: 0,
      scatter: false,
      accessSize: 3 * 4096 + 5,
      workingSet: 40 * 4096,
    },
    seeds: [1],
    ops: M,
  },
  {
    name: "zipf s=0.99 accessSize 16 KiB + 1, offset",
    workload: { kind: "zipf", accessSize: 16385, workingSet: "32MiB", offset: "1MiB" },
    seeds: [2],
    ops: M,
  },
  // ring: contiguous, spread buffers, a short last chunk, one op per buffer
  { name: "ring 256 × 2 KiB", workload: { kind: "ring" }, seeds: [1], ops: M },
  {
    name: "ring 7 × 10000 B spread, accessSize 4 KiB",
    workload: { kind: "ring", buffers: 7, bufferSize: 10_000, writeFraction: 0.3 },
    seeds: [1, 2],
    ops: M,
  },
  {
    name: "ring 1000 × 1 KiB, accessSize 4 KiB, offset",
    workload: { kind: "ring", buffers: 1000, bufferSize: 1024, offset: 4096, workingSet: "1MiB" },
    seeds: [1],
    ops: M,
  },
  // stream
  { name: "stream", workload: { kind: "stream" }, seeds: [1], ops: M },
  {
    name: "stream 100 B over 10^6 B, writeFraction 1",
    workload: { kind: "stream", accessSize: 100, workingSet: 1_000_050, writeFraction: 1 },
    seeds: [1],
    ops: M,
  },
  // mix: the bench's three parts, skewed weights over four kinds, one part
  { name: "mix uniform+zipf+ring", workload: mix3, seeds: [1, 2], ops: 2 * M },
  {
    name: "mix 4 parts, weights 1:2:3:0.5, own fields",
    workload: {
      kind: "mix",
      workingSet: "16MiB",
      parts: [
        { kind: "uniform", weight: 1, offset: 0 },
        { kind: "zipf", weight: 2, offset: "16MiB", s: 1.1, workingSet: "1GiB" },
        { kind: "ring", weight: 3, offset: "2GiB" },
        { kind: "stream", weight: 0.5, offset: "3GiB", writeFraction: 0.9 },
      ],
    },
    seeds: [1],
    ops: 2 * M,
  },
  {
    name: "mix one zipf part",
    workload: { kind: "mix", parts: [{ kind: "zipf", weight: 3, workingSet: "4GiB" }] },
    seeds: [5],
    ops: M,
  },
  // trace: the sample, looping and not
  {
    name: "trace sample, loop",
    workload: { kind: "trace", path: "data/traces/nic_queue.csv", loop: true },
    seeds: [1],
    ops: M,
  },
  {
    name: "trace sample, no loop",
    workload: { kind: "trace", path: "data/traces/nic_queue.csv", loop: false },
    seeds: [1],
    ops: M,
  },
];

const REPO = new URL("../../", import.meta.url).pathname;

async function build(c: Case, seed: number): Promise<WorkloadGenerator> {
  const cfg = parseConfig({ seed, guest: { memory: c.memory ?? "8GiB" }, workload: c.workload });
  return await createWorkload(cfg.workload, {
    seed: cfg.seed,
    guestMemory: cfg.guest.memory,
    baseDir: REPO,
  });
}

/** Two 32-bit lanes over every 32-bit word of each operation. */
class StreamHash {
  private h1 = 0x811c9dc5;
  private h2 = 0x2545f491;
  count = 0;
  private readonly words = new Uint32Array(2);
  private readonly float = new Float64Array(this.words.buffer);

  private word(w: number): void {
    this.h1 = Math.imul(this.h1 ^ w, 0x01000193);
    const x = (this.h2 + Math.imul(w, 0x9e3779b1)) | 0;
    this.h2 = Math.imul((x << 13) | (x >>> 19), 0x85ebca6b);
  }

  private double(v: number): void {
    this.float[0] = v;
    this.word(this.words[0]);
    this.word(this.words[1]);
  }

  add(iova: number, length: number, write: number, timeNs: number): void {
    this.double(iova);
    this.word(length);
    this.word(write);
    this.double(timeNs);
    this.count++;
  }

  hex(): string {
    const h = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
    return h(this.h1) + h(this.h2);
  }
}

/**
 * The hash of the first `ops` operations (fewer if the stream ends), drawn
 * either as whole batches of 4096 up to untilNs = ∞, or through batches of 777
 * with untilNs advancing ~1.3 ms a step (so fills stop at the capacity and at
 * the time in turn).
 */
async function streamHash(c: Case, seed: number, split: boolean): Promise<string> {
  const g = await build(c, seed);
  const batch = createBatch(split ? 777 : 4096, { time: true });
  const hash = new StreamHash();
  let untilNs = split ? 1_300_001.5 : Infinity;
  let idle = 0;
  while (hash.count < c.ops && idle < 2) {
    const n = g.fill(batch, untilNs);
    const k = Math.min(n, c.ops - hash.count);
    for (let i = 0; i < k; i++) {
      hash.add(batch.iova[i], batch.length[i], batch.write[i], batch.timeNs![i]);
    }
    if (n < batch.iova.length) {
      // Caught up to untilNs: step on, or the stream has ended.
      if (untilNs === Infinity || g.nowNs === Infinity) idle++;
      else untilNs += 1_300_001.5;
    }
  }
  return `${hash.count} ${hash.hex()}`;
}

function key(c: Case, seed: number): string {
  return `${c.name} / seed ${seed}`;
}

async function allHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of CASES) for (const s of c.seeds) out[key(c, s)] = await streamHash(c, s, false);
  return out;
}

Deno.test("every kind's operation stream is the recorded one, however fill() is split", async (t) => {
  const recorded: Record<string, string> = JSON.parse(await Deno.readTextFile(FIXTURE));
  assert.deepEqual(
    Object.keys(recorded).sort(),
    CASES.flatMap((c) => c.seeds.map((s) => key(c, s))).sort(),
    "the fixture's cases are this file's (rerun with --write after changing CASES)",
  );
  for (const c of CASES) {
    for (const s of c.seeds) {
      await t.step(key(c, s), async () => {
        assert.equal(await streamHash(c, s, false), recorded[key(c, s)], "whole batches");
        assert.equal(await streamHash(c, s, true), recorded[key(c, s)], "split, time-limited");
      });
    }
  }
});

if (import.meta.main && Deno.args.includes("--write")) {
  await Deno.mkdir(new URL("./testdata/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(FIXTURE, JSON.stringify(await allHashes(), null, 2) + "\n");
  console.log(`wrote ${FIXTURE.pathname}`);
}
