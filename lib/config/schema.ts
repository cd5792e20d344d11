// The one schema for a run's whole configuration (../shared/MODEL.md): the same
// zod schema validates a config file for `deno task sim`, every point of a
// sweep and a notebook's parameters. Defaults live here and only here, taken
// from ../shared/FACTS.md; sizes, durations and rates accept unit strings
// (lib/units). Effective values are bytes, milliseconds, bytes/s and ops/s.

import { z } from "zod";
import { VENDOR_NAMES, type VendorName } from "../hw/mod.ts";
import { dirtyReadSection, dmaTimingSection, kernelFlushSection } from "./cost_sections.ts";
import { bandwidth, duration, opsRate, size } from "./unit_fields.ts";

const int = (min: number) => z.number().int().min(min);

const cacheGeometry = (entries: number, ways: number, what: string) =>
  z.strictObject({
    entries: int(0).default(entries).meta({ description: `${what} entries (0 = none)` }),
    ways: int(1).default(ways).meta({
      description: `${what} associativity; ways = entries is fully associative`,
    }),
  }).prefault({});

// --- iommu -----------------------------------------------------------------

const costs = z.strictObject({
  // Peleg et al., USENIX ATC 2015: an invalidation with its wait is about
  // 2,000 cycles (unconfirmed, FACTS §6); split here as 500 cycles to queue
  // the descriptor and 1,500 to wait for completion, at 3 GHz.
  invalidationNs: z.number().min(0).default(167).meta({
    description: "cost of queueing one invalidation descriptor, ns (assumed, FACTS §6)",
  }),
  waitNs: z.number().min(0).default(500).meta({
    description: "cost of one invalidation completion wait, ns (assumed, FACTS §6)",
  }),
  memoryAccessNs: z.number().min(0).default(100).meta({
    description: "cost of one memory access of a page walk or D update, ns (assumed, FACTS §6)",
  }),
}).prefault({});

const iommu = z.strictObject({
  vendor: z.enum(VENDOR_NAMES as [VendorName, ...VendorName[]]).default("intel"),
  pageSize: size("IO page size of the 1:1 guest mapping").prefault("2MiB"),
  // About 64 IOTLB entries on Intel (Neugebauer et al., SIGCOMM 2018,
  // unconfirmed); associativity is not published, so it is a knob.
  iotlb: cacheGeometry(64, 8, "IOTLB"),
  walkCache: cacheGeometry(0, 1, "paging-structure (walk) cache"),
  costs,
  // What the host pays for a dirty read (MODEL.md §13) and the vendor knobs
  // of clearBatch "kernel" (§6): cost_sections.ts, with their sources.
  dirtyRead: dirtyReadSection,
  kernelFlush: kernelFlushSection,
}).prefault({});

// --- tracking --------------------------------------------------------------

const device = z.strictObject({
  pageSize: size("page size at which the device logs its writes").prefault("4KiB"),
  // VFIO_DEVICE_FEATURE_DMA_LOGGING_START takes at most 256 ranges (FACTS §3).
  maxRanges: int(1).default(256).meta({ description: "IOVA ranges the device can track" }),
  log: z.enum(["bitmap", "ring"]).default("bitmap"),
  ringEntries: int(1).default(4096).meta({
    description: "ring capacity in records; a full ring over-reports",
  }),
}).prefault({});

const clearBatch = z.union([int(1), z.literal("round"), z.literal("kernel")]).default("round")
  .meta({
    description: 'leaves gathered per invalidation batch, "round" for one domain flush a read, ' +
      'or "kernel" for what upstream Linux does: one gather a read, one sync by the vendor\'s ' +
      "rule (iommu.kernelFlush)",
  });

const tracking = z.strictObject({
  mode: z.enum(["iommu", "device", "none"]).default("iommu"),
  split: z.enum(["none", "eager", "lazy"]).default("none"),
  splitTo: size("page size that splitting targets").prefault("4KiB"),
  lazyThreshold: int(1).default(1).meta({
    description: "read rounds a leaf must be found dirty in before a lazy split",
  }),
  collapseAfter: z.boolean().default(false),
  clearBatch,
  unsafeSkipFlush: z.boolean().default(false).meta({
    description: "clear Dirty bits without invalidating the IOTLB: loses writes, on purpose",
  }),
  startBefore: duration("tracking starts this long before migration").prefault(0),
  readInterval: duration(
    "dirty reads this often while tracking runs before migration (lazy splitting)",
  ).prefault(1000),
  device,
}).prefault({});

// --- workload --------------------------------------------------------------

const workloadCommon = {
  rate: opsRate("DMA operations per second").prefault(1e6),
  writeFraction: z.number().min(0).max(1).default(0.5),
  accessSize: size("bytes per DMA operation").prefault(4096),
  workingSet: size("bytes the workload touches").prefault("64MiB"),
  offset: size("where the working set starts in IOVA space").prefault(0),
};

const uniform = z.strictObject({ kind: z.literal("uniform"), ...workloadCommon });
const zipf = z.strictObject({
  kind: z.literal("zipf"),
  ...workloadCommon,
  s: z.number().min(0).default(0.99).meta({ description: "Zipf skew over 4 KiB pages" }),
  scatter: z.boolean().default(true).meta({
    description: "spread ranks over the working set (true) or keep the hot set contiguous",
  }),
});
const ring = z.strictObject({
  kind: z.literal("ring"),
  ...workloadCommon,
  buffers: int(1).default(256).meta({ description: "buffers in the ring (K)" }),
  bufferSize: size("bytes per buffer").prefault("2KiB"),
});
const stream = z.strictObject({ kind: z.literal("stream"), ...workloadCommon });
// The file gives each operation's time, address, length and direction, so
// a trace does not use the common fields.
const trace = z.strictObject({
  kind: z.literal("trace"),
  ...workloadCommon,
  path: z.string().min(1).meta({
    description: "CSV or Parquet file with columns time (ns), iova, length, write (0/1); " +
      "rate, writeFraction, accessSize, workingSet and offset do not apply",
  }),
  loop: z.boolean().default(true).meta({
    description: "repeat the trace, shifted by its span plus one mean gap between rows",
  }),
});

// A mix part is a synthetic workload with a weight. Parts have no rate (the
// mix's rate times every operation) and inherit the mix's writeFraction,
// accessSize, workingSet and offset unless they set their own (see below).
const weight = z.number().positive().meta({
  description: "share of operations: weight / Σ weights",
});
const mixPart = z.discriminatedUnion("kind", [
  uniform.omit({ rate: true }).extend({ weight }),
  zipf.omit({ rate: true }).extend({ weight }),
  ring.omit({ rate: true }).extend({ weight }),
  stream.omit({ rate: true }).extend({ weight }),
]);
const mix = z.strictObject({
  kind: z.literal("mix"),
  ...workloadCommon,
  parts: z.array(mixPart).min(1).meta({
    description: "weighted parts; each inherits writeFraction, accessSize, workingSet and " +
      "offset from the mix unless it sets them",
  }),
});

/** Fields a mix part takes from the mix when it does not set them. */
export const MIX_INHERITED = ["writeFraction", "accessSize", "workingSet", "offset"] as const;

export const WORKLOAD_KINDS = ["uniform", "zipf", "ring", "stream", "mix", "trace"] as const;

// A workload without a kind is uniform, so `workload.rate=2M/s` alone works;
// a mix's parts get the mix's MIX_INHERITED fields they do not set.
function workloadInput(v: unknown): unknown {
  if (!v || typeof v !== "object" || Array.isArray(v)) return v;
  const w = v as Record<string, unknown>;
  if (!("kind" in w)) return { kind: "uniform", ...w };
  if (w.kind !== "mix" || !Array.isArray(w.parts)) return w;
  const inherited = Object.fromEntries(MIX_INHERITED.filter((k) => k in w).map((k) => [k, w[k]]));
  const parts = w.parts.map((p) =>
    p && typeof p === "object" && !Array.isArray(p) ? { ...inherited, ...p } : p
  );
  return { ...w, parts };
}

const workload = z.preprocess(
  workloadInput,
  z.discriminatedUnion("kind", [uniform, zipf, ring, stream, mix, trace]),
).prefault({ kind: "uniform" });

// --- migration -------------------------------------------------------------

const migration = z.strictObject({
  bandwidth: bandwidth("migration bandwidth").prefault("128MiB/s"), // QEMU max-bandwidth
  downtimeLimit: duration("switch over when pending data fits this").prefault(300), // QEMU
  maxRounds: int(1).default(30).meta({
    description: "pre-copy rounds (round 0 included) before stop-and-copy without convergence",
  }),
  warmup: duration("workload runs this long before tracking starts: the baseline").prefault(200),
  overheadDelaysRound: z.boolean().default(false).meta({
    description: "add each pre-copy read's time and its invalidation time to the next round " +
      "(the last read and its flush are always downtime)",
  }),
}).prefault({});

// --- the whole run ---------------------------------------------------------

export const runConfigSchema = z.strictObject({
  seed: int(0).default(1),
  guest: z.strictObject({
    memory: size("guest RAM, mapped 1:1").prefault("4GiB"),
  }).prefault({}),
  iommu,
  tracking,
  workload,
  // The device's request loop, for guest DMA throughput (MODEL.md §12).
  dma: dmaTimingSection,
  migration,
});

/** The effective, fully defaulted config. */
export type RunConfig = z.output<typeof runConfigSchema>;
/** What a user may write: every key optional, units as strings. */
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type WorkloadConfig = RunConfig["workload"];
export type MixPartConfig = Extract<WorkloadConfig, { kind: "mix" }>["parts"][number];
