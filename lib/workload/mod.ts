// The workload layer's public API: createWorkload() picks the generator for a
// config's kind from a registry (an unknown kind is an error listing the
// known ones). Synthetic kinds place operations with an OpSource and issue
// them at fixed spacing (fixed_rate.ts); `mix` weights several sources;
// `trace` replays a file. Every random draw comes from streams derived from
// the one config seed (rng.ts): the same config and seed give the same bytes.

import type { MixPartConfig, WorkloadConfig } from "../config/mod.ts";
import { WorkloadError } from "./errors.ts";
import { FixedRateGenerator, type OpSource } from "./fixed_rate.ts";
import { MixSource } from "./mix.ts";
import { RingSource } from "./ring.ts";
import { Rng, type StreamLabel } from "./rng.ts";
import type { SourceContext } from "./source.ts";
import { StreamSource } from "./stream.ts";
import { TraceGenerator } from "./trace.ts";
import { loadTrace } from "./trace_file.ts";
import { UniformSource } from "./uniform.ts";
import { ZipfSource } from "./zipf.ts";
import type { WorkloadGenerator } from "./types.ts";

export type { IovaRange, WorkloadBatch, WorkloadGenerator } from "./types.ts";
export { WorkloadError } from "./errors.ts";
export { batchCapacity, createBatch } from "./batch.ts";
export { Rng, type StreamLabel } from "./rng.ts";
export { opsBefore, opTimeNs } from "./fixed_rate.ts";
export { loadTrace, parseTraceCsv, TRACE_COLUMNS, type TraceData } from "./trace_file.ts";
export { tracePeriodNs } from "./trace.ts";
export { zipfPageCount, zipfPmf, ZipfSampler, ZipfTable } from "./zipf.ts";
export {
  makeNicTrace,
  type NicTraceOptions,
  type TraceRows,
  traceRowsToCsv,
} from "./sample_trace.ts";
export { writeTraceCsv, writeTraceParquet } from "./trace_write.ts";

export interface CreateWorkloadOptions {
  /** The run's seed (config.seed). */
  seed: number;
  /** Guest memory, bytes: every access must fall inside it. */
  guestMemory: number;
  /** Directory a relative trace path is read from (default: the working directory). */
  baseDir?: string;
}

type Builder<C> = (config: C, opts: CreateWorkloadOptions) => Promise<WorkloadGenerator>;
type SourceBuilder<C> = (config: C, ctx: SourceContext) => OpSource;

type SyntheticConfig = Exclude<WorkloadConfig, { kind: "mix" | "trace" }>;

/** Placement of the kinds that can also be mix parts. */
const SOURCES: {
  [K in SyntheticConfig["kind"]]: SourceBuilder<Extract<SyntheticConfig, { kind: K }>>;
} = {
  uniform: (c, ctx) => new UniformSource(c, ctx),
  zipf: (c, ctx) => new ZipfSource(c, ctx),
  ring: (c, ctx) => new RingSource(c, ctx),
  stream: (c, ctx) => new StreamSource(c, ctx),
};

function context(opts: CreateWorkloadOptions, key: string, path: StreamLabel[]): SourceContext {
  const root = Rng.fromSeed(opts.seed, "workload", ...path);
  return { stream: (label) => root.derive(label), guestMemory: opts.guestMemory, key };
}

function sourceFor(
  c: SyntheticConfig | MixPartConfig,
  opts: CreateWorkloadOptions,
  key: string,
  path: StreamLabel[],
): OpSource {
  const build = SOURCES[c.kind] as SourceBuilder<typeof c> | undefined;
  if (!build) {
    throw new WorkloadError(
      `${key}.kind: ${JSON.stringify(c.kind)} is not one of ${Object.keys(SOURCES).join(", ")}`,
    );
  }
  return build(c, context(opts, key, path));
}

const synthetic: Builder<SyntheticConfig> = (c, opts) =>
  Promise.resolve(new FixedRateGenerator(c.kind, c.rate, sourceFor(c, opts, "workload", [])));

/** The registry: one builder per kind. */
const REGISTRY: { [K in WorkloadConfig["kind"]]: Builder<Extract<WorkloadConfig, { kind: K }>> } = {
  uniform: synthetic,
  zipf: synthetic,
  ring: synthetic,
  stream: synthetic,
  mix: (c, opts) => {
    const parts = c.parts.map((p, j) => ({
      source: sourceFor(p, opts, `workload.parts[${j}]`, ["parts", j]),
      weight: p.weight,
    }));
    const choice = Rng.fromSeed(opts.seed, "workload", "choice");
    return Promise.resolve(new FixedRateGenerator("mix", c.rate, new MixSource(parts, choice)));
  },
  trace: async (c, opts) => {
    const data = await loadTrace(c.path, { guestMemory: opts.guestMemory, baseDir: opts.baseDir });
    return new TraceGenerator(data, c.loop);
  },
};

/** The kinds createWorkload knows. */
export const KNOWN_WORKLOAD_KINDS: readonly string[] = Object.keys(REGISTRY);

/**
 * The generator for a validated workload config (RunConfig["workload"]).
 * Async because `trace` reads a file. Throws WorkloadError for an unknown
 * kind, a missing or malformed trace, or fields that break an invariant.
 */
export function createWorkload(
  config: WorkloadConfig,
  opts: CreateWorkloadOptions,
): Promise<WorkloadGenerator> {
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) {
    return Promise.reject(new WorkloadError(`seed: ${opts.seed} is not an integer >= 0`));
  }
  if (!(opts.guestMemory > 0) || !Number.isSafeInteger(opts.guestMemory)) {
    return Promise.reject(
      new WorkloadError(`guest.memory: ${opts.guestMemory} is not a size > 0 bytes`),
    );
  }
  const build = (REGISTRY as Record<string, Builder<WorkloadConfig> | undefined>)[config.kind];
  if (!build) {
    return Promise.reject(
      new WorkloadError(
        `workload.kind: ${JSON.stringify(config.kind)} is not one of ${
          KNOWN_WORKLOAD_KINDS.join(", ")
        }`,
      ),
    );
  }
  try {
    return build(config, opts);
  } catch (e) {
    return Promise.reject(e);
  }
}
