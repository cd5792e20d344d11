// simulate() end to end (issues 5 and 15), timed inside this process:
// - against the C loop: uniform random 4 KiB writes over 1 Mi pages, a
//   512-entry 8-way IOTLB, tracking on, as a whole simulate() (config,
//   mapping, workload generator, pre-copy loop, a dirty read of 1 Mi dirty
//   leaves, verifier), the bare dmaBatch loop of lib/iommu/iommu_bench.ts and
//   ../shared/bench/iotlb_ref.c, interleaved; medians of paired rounds.
// - the demo's workload (Zipf s = 1.2 over 256 MiB of a 1 GiB guest, 2 MiB
//   pages, lazy split) against the bare hot path on the same access stream:
//   one run's domain calls and workload fills are recorded, then replayed on
//   a fresh domain with only the fills and the dmaBatch calls timed (so the
//   replay sees the same page-table states, splits and flushes included).

import { createDomain, type DmaBatch, type Domain, IommuDomain } from "../iommu/mod.ts";
import {
  BATCH,
  type BenchRow,
  ENTRIES,
  hotPathDomain,
  hotPathReference,
  median,
  PAGES,
  ratioRow,
  runEngine,
  targetRow,
  WAYS,
} from "../iommu/iommu_bench.ts";
import { parseConfig } from "../config/mod.ts";
import { HEADLINE_SPEC } from "../demo/mod.ts"; // benches may reach up (lib/layers_test.ts)
import { domainOptions } from "../tracking/mod.ts";
import { createWorkload } from "../workload/mod.ts";
import type { WorkloadGenerator } from "../workload/types.ts";
import { SIM_BATCH, simulate } from "./simulate.ts";

/** The hot path's shape as a run: round 0 lasts one simulated second at `accesses` writes/s. */
export function uniformConfig(accesses: number, seed = 1) {
  const memory = PAGES * 4096;
  // maxRounds 1: round 0, one dirty read, then stop-and-copy.
  return {
    guest: { memory },
    iommu: { pageSize: 4096, iotlb: { entries: ENTRIES, ways: WAYS } },
    tracking: { mode: "iommu", split: "none", clearBatch: "round" },
    workload: {
      kind: "uniform",
      workingSet: memory,
      rate: accesses,
      writeFraction: 1,
      accessSize: 4096,
    },
    migration: { bandwidth: memory, maxRounds: 1, warmup: 0 },
    seed,
  };
}

/** Translations per second of one simulate() of `config`, setup included. */
async function timedSimulate(config: unknown): Promise<{ rate: number; translations: number }> {
  const t0 = performance.now();
  const res = await simulate(config);
  const sec = (performance.now() - t0) / 1000;
  return { rate: res.summary.translations / sec, translations: res.summary.translations };
}

/**
 * simulate() against the C loop and the bare hot path: `rounds` rounds, each
 * the C loop (`accesses` / 2), simulate() of `accesses`, the C loop again and
 * the bare hot path (`accesses`). simulate() is set against the mean of the
 * two C runs around it (in this process, c_reference.ts), so the pair sees
 * one state of this VM, whose speed swings ~2x for 0.5-3 s at a time.
 */
export async function benchSimulateVsC(
  opts: { accesses?: number; rounds?: number } = {},
): Promise<BenchRow[]> {
  const accesses = opts.accesses ?? 8_000_000;
  const rounds = opts.rounds ?? 11;
  const batch: DmaBatch = {
    iova: new Float64Array(BATCH),
    length: new Uint32Array(BATCH).fill(4096),
    write: new Uint8Array(BATCH).fill(1),
  };
  const bare = hotPathDomain(true);
  const ref = hotPathReference();
  runEngine(bare, 2 * PAGES, batch, 7); // JIT and every page once
  await simulate(uniformConfig(1e6));
  ref?.run(1_000_000);
  const sim: number[] = [], hot: number[] = [], c: number[] = [];
  let translations = 0;
  for (let r = 0; r < rounds; r++) {
    const before = ref?.run(accesses >> 1);
    const s = await timedSimulate(uniformConfig(accesses, r + 1));
    const after = ref?.run(accesses >> 1);
    sim.push(s.rate);
    translations = s.translations;
    if (before && after) c.push((before.accessesPerSecond + after.accessesPerSecond) / 2);
    hot.push(runEngine(bare, accesses, batch, 11 + r));
  }
  const rows: BenchRow[] = [
    { name: "bare IOMMU hot path (dmaBatch, write log)", value: median(hot), unit: "accesses/s" },
    {
      name: "whole simulate() (setup, workload, pre-copy, dirty read, verifier)",
      value: median(sim),
      unit: "accesses/s",
      note: `${translations.toLocaleString("en-US")} translations a run`,
    },
  ];
  if (c.length) {
    rows.push(
      {
        name: "C reference iotlb_ref.c (cc -O2)",
        value: median(c),
        unit: "accesses/s",
        note: `run ${ref!.where}, before and after each simulate()`,
      },
      targetRow("ratio simulate()/C", sim.map((x, i) => x / c[i]), { atLeast: 0.6 }),
    );
  } else {
    rows.push({ name: "ratio simulate()/C", value: NaN, unit: "x", note: "skipped: no cc" });
  }
  rows.push(
    ratioRow("ratio simulate()/hot path", sim.map((x, i) => x / hot[i]), "issue 5: >= 0.8"),
  );
  return rows;
}

/** The demo's workload (lib/demo HEADLINE_SPEC's base) at 2 MiB pages, lazy split. */
const DEMO_BASE = HEADLINE_SPEC.base as Record<string, unknown> & {
  iommu: Record<string, unknown>;
};
export const DEMO_POINT = {
  ...DEMO_BASE,
  iommu: { ...DEMO_BASE.iommu, pageSize: "2MiB" },
  tracking: { split: "lazy" },
  seed: 1,
};

type Event =
  | { kind: "fill"; untilNs: number; n: number }
  | { kind: "dma"; n: number }
  | { kind: "call"; method: string; args: unknown[] };

const RECORDED_METHODS = [
  "map",
  "unmap",
  "split",
  "collapse",
  "flushDomain",
  "attachWriteLog",
  "setDirtyTracking",
  "getDirtyBitmap",
] as const;

/**
 * Runs simulate(config) once with IommuDomain's methods and the workload's
 * fill() wrapped, and returns what the run asked of them in order, with the
 * domain's final counters.
 */
async function recordRun(config: ReturnType<typeof parseConfig>) {
  const events: Event[] = [];
  const probe = await createWorkload(config.workload, {
    seed: config.seed,
    guestMemory: config.guest.memory,
  });
  const genProto = Object.getPrototypeOf(probe) as WorkloadGenerator;
  // deno-lint-ignore no-explicit-any
  const domProto = IommuDomain.prototype as any;
  const saved = new Map<string, unknown>();
  let fillBatch: DmaBatch | null = null;
  let domain: Domain | null = null;
  const origFill = genProto.fill;
  saved.set("fill", origFill);
  genProto.fill = function (this: WorkloadGenerator, batch, untilNs) {
    const n = origFill.call(this, batch, untilNs);
    fillBatch = batch;
    events.push({ kind: "fill", untilNs, n });
    return n;
  };
  const origDma = domProto.dmaBatch;
  domProto.dmaBatch = function (this: Domain, batch: DmaBatch, n: number) {
    if (batch === fillBatch) {
      domain = this;
      events.push({ kind: "dma", n });
    }
    return origDma.call(this, batch, n);
  };
  for (const m of RECORDED_METHODS) {
    const orig = domProto[m];
    saved.set(m, orig);
    domProto[m] = function (this: Domain, ...args: unknown[]) {
      const copy = m === "getDirtyBitmap"
        ? [{ ...(args[0] as object), onDirtyLeaf: undefined }]
        : m === "attachWriteLog"
        ? [new Uint8Array((args[0] as Uint8Array).length)]
        : args;
      events.push({ kind: "call", method: m, args: copy });
      return orig.apply(this, args);
    };
  }
  try {
    const result = await simulate(config);
    return { events, stats: domain!.stats(), translations: result.summary.translations };
  } finally {
    genProto.fill = origFill;
    domProto.dmaBatch = origDma;
    for (const m of RECORDED_METHODS) domProto[m] = saved.get(m);
  }
}

/**
 * Replays a recorded run on a fresh domain: the same calls in the same order,
 * the workload regenerated from its seed; returns the seconds spent in fill()
 * and dmaBatch() and the domain's counters.
 */
async function replay(config: ReturnType<typeof parseConfig>, events: Event[], capacity: number) {
  const d = createDomain(domainOptions(config));
  const gen = await createWorkload(config.workload, {
    seed: config.seed,
    guestMemory: config.guest.memory,
  });
  const batch: DmaBatch = {
    iova: new Float64Array(capacity),
    length: new Uint32Array(capacity),
    write: new Uint8Array(capacity),
  };
  // deno-lint-ignore no-explicit-any
  const call = d as any;
  let ms = 0;
  for (const ev of events) {
    if (ev.kind === "fill") {
      const t0 = performance.now();
      const n = gen.fill(batch, ev.untilNs);
      ms += performance.now() - t0;
      if (n !== ev.n) throw new Error(`replay: fill gave ${n} operations, the run ${ev.n}`);
    } else if (ev.kind === "dma") {
      const t0 = performance.now();
      d.dmaBatch(batch, ev.n);
      ms += performance.now() - t0;
    } else {
      call[ev.method](...ev.args);
    }
  }
  return { seconds: ms / 1000, stats: d.stats() };
}

/**
 * The demo's workload: simulate() against the bare hot path (workload fill +
 * dmaBatch) on the same access stream and page-table states, `rounds`
 * interleaved rounds.
 */
export async function benchSimulateDemo(opts: { rounds?: number } = {}): Promise<BenchRow[]> {
  const rounds = opts.rounds ?? 5;
  const config = parseConfig(DEMO_POINT);
  const rec = await recordRun(config); // also the warm-up
  const capacity = SIM_BATCH;
  const check = await replay(config, rec.events, capacity);
  if (JSON.stringify(check.stats) !== JSON.stringify(rec.stats)) {
    throw new Error(
      `replay diverged: ${JSON.stringify(check.stats)} vs ${JSON.stringify(rec.stats)}`,
    );
  }
  const ops = rec.events.reduce((n, e) => n + (e.kind === "dma" ? e.n : 0), 0);
  const sim: number[] = [], bare: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await simulate(config);
    sim.push(ops / ((performance.now() - t0) / 1000));
    bare.push(ops / (await replay(config, rec.events, capacity)).seconds);
  }
  return [
    {
      name: "demo point: bare hot path (workload fill + dmaBatch, same stream)",
      value: median(bare),
      unit: "accesses/s",
      note: `${ops.toLocaleString("en-US")} operations; miss rate ${
        (rec.stats.iotlbMisses / rec.stats.translations).toFixed(4)
      }`,
    },
    { name: "demo point: whole simulate()", value: median(sim), unit: "accesses/s" },
    targetRow(
      "ratio simulate()/bare hot path (demo's workload)",
      sim.map((x, i) => x / bare[i]),
      { atLeast: 0.8 },
      "2 MiB pages, lazy split, Zipf 1.2 over 256 MiB of 1 GiB",
    ),
  ];
}

if (import.meta.main) {
  console.table(await benchSimulateVsC());
  console.table(await benchSimulateDemo());
}
