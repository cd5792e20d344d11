// The candidate grid: IO page size × split policy (with a higher lazy
// threshold and lazy splitting started before migration as variants) × clear
// batching. A candidate is one configuration of dirty tracking; its runs
// (seeds, or a trace's phases) become sweep points through one zip group, so
// the grid is exactly the list below rather than a product with holes.

import { formatSize, type RunConfig } from "../config/mod.ts";
import type { SweepSpec } from "../sweep/mod.ts";
import { AdviseError } from "./errors.ts";
import type { Restrictions } from "./input.ts";

export const PAGE_SIZES = [4096, 2 ** 21, 2 ** 30];
export const CLEAR_BATCHES: (number | "round")[] = [1, 64, "round"];
/** Lazy splitting started this long before migration (seed 4.b: "at provisioning"). */
export const EARLY_START_MS = 1000;

export interface SplitVariant {
  /** "none", "eager", "lazy", "lazy-t2", "lazy-early". */
  id: string;
  split: "none" | "eager" | "lazy";
  lazyThreshold: number;
  startBeforeMs: number;
  /** As shown: "none", "eager", "lazy", "lazy ×2", "lazy early". */
  label: string;
  /** In a sentence: "without splitting", "splitting lazily once dirty in 2 reads". */
  phrase: string;
}

export const SPLIT_VARIANTS: readonly SplitVariant[] = [
  {
    id: "none",
    split: "none",
    lazyThreshold: 1,
    startBeforeMs: 0,
    label: "none",
    phrase: "without splitting",
  },
  {
    id: "eager",
    split: "eager",
    lazyThreshold: 1,
    startBeforeMs: 0,
    label: "eager",
    phrase: "splitting eagerly when tracking starts",
  },
  {
    id: "lazy",
    split: "lazy",
    lazyThreshold: 1,
    startBeforeMs: 0,
    label: "lazy",
    phrase: "splitting lazily (a huge page once found dirty)",
  },
  {
    id: "lazy-t2",
    split: "lazy",
    lazyThreshold: 2,
    startBeforeMs: 0,
    label: "lazy ×2",
    phrase: "splitting lazily (a huge page once found dirty in 2 reads)",
  },
  {
    id: "lazy-early",
    split: "lazy",
    lazyThreshold: 1,
    startBeforeMs: EARLY_START_MS,
    label: "lazy early",
    phrase: `splitting lazily with tracking started ${EARLY_START_MS / 1000} s before migration`,
  },
];

export interface Candidate {
  /** "2MiB/lazy-early/64". */
  id: string;
  pageSize: number;
  pageLabel: string;
  variant: SplitVariant;
  clearBatch: number | "round";
}

const batchLabel = (b: number | "round") => (b === "round" ? "round" : String(b));

/** The grid, restricted as asked; page sizes that do not divide guest memory are left out. */
export function candidateGrid(
  restrictions: Restrictions,
  config: RunConfig,
): { candidates: Candidate[]; omitted: string[] } {
  const memory = config.guest.memory;
  const splitTo = config.tracking.splitTo;
  const omitted: string[] = [];
  const sizes = restrictions.pageSizes ??
    PAGE_SIZES.filter((s) => {
      if (memory % s === 0) return true;
      omitted.push(`${formatSize(s)} pages (guest memory ${formatSize(memory)} is not a multiple)`);
      return false;
    });
  let variants = SPLIT_VARIANTS.filter((v) =>
    !restrictions.splits || restrictions.splits.includes(v.split)
  );
  if (restrictions.splits) {
    const unknown = restrictions.splits.filter((s) => !["none", "eager", "lazy"].includes(s));
    if (unknown.length) {
      throw new AdviseError(
        `tracking.split: ${JSON.stringify(unknown[0])} is not one of none, eager, lazy`,
      );
    }
  }
  if (restrictions.lazyThreshold !== undefined || restrictions.startBeforeMs !== undefined) {
    // A lazy setting given: one lazy variant with it, instead of the three.
    const t = restrictions.lazyThreshold ?? 1, s = restrictions.startBeforeMs ?? 0;
    variants = variants.filter((v) => v.split !== "lazy");
    if (!restrictions.splits || restrictions.splits.includes("lazy")) {
      variants.push({
        id: `lazy-t${t}-s${s}`,
        split: "lazy",
        lazyThreshold: t,
        startBeforeMs: s,
        label: `lazy${t > 1 ? ` ×${t}` : ""}${s > 0 ? " early" : ""}`,
        phrase: `splitting lazily (once found dirty in ${t} read${t > 1 ? "s" : ""})` +
          (s > 0 ? ` with tracking started ${s} ms before migration` : ""),
      });
    }
  }
  const batches = restrictions.clearBatches ?? CLEAR_BATCHES;
  const candidates: Candidate[] = [];
  for (const pageSize of sizes) {
    for (const variant of variants) {
      // At the split target a split changes nothing: only "none" is a choice.
      if (pageSize <= splitTo && variant.split !== "none") continue;
      for (const clearBatch of batches) {
        const pageLabel = formatSize(pageSize);
        candidates.push({
          id: `${pageLabel}/${variant.id}/${batchLabel(clearBatch)}`,
          pageSize,
          pageLabel,
          variant,
          clearBatch,
        });
      }
    }
  }
  if (candidates.length === 0) {
    throw new AdviseError(
      "no configuration to try: the page size and split restrictions exclude every one " +
        `(a page size at the split target ${
          formatSize(splitTo)
        } can only be tracked without a split)`,
    );
  }
  return { candidates, omitted };
}

/** The config keys of a candidate, as sweep axis values. */
export function candidateKeys(c: Candidate): Record<string, unknown> {
  return {
    "iommu.pageSize": c.pageSize,
    "tracking.split": c.variant.split,
    "tracking.lazyThreshold": c.variant.lazyThreshold,
    "tracking.startBefore": c.variant.startBeforeMs,
    "tracking.clearBatch": c.clearBatch,
  };
}

/** The candidate a stored run belongs to, from its flattened config columns. */
export function candidateOf(row: Record<string, unknown>, candidates: readonly Candidate[]) {
  const pageSize = Number(row.iommu_pageSize);
  const split = String(row.tracking_split);
  const threshold = Number(row.tracking_lazyThreshold);
  const startBefore = Number(row.tracking_startBefore);
  const batch = String(row.tracking_clearBatch);
  return candidates.find((c) =>
    c.pageSize === pageSize && c.variant.split === split &&
    c.variant.lazyThreshold === threshold && c.variant.startBeforeMs === startBefore &&
    batchLabel(c.clearBatch) === batch
  );
}

/**
 * The sweep of `candidates` × `runs`: one zip group moves the candidate keys
 * together, and a second one the per-run overrides (seed or warm-up).
 */
export function gridSpec(
  name: string,
  base: Record<string, unknown>,
  candidates: readonly Candidate[],
  runs: readonly Record<string, unknown>[],
  extra: (c: Candidate) => Record<string, unknown> = () => ({}),
): SweepSpec {
  const keys = candidates.map((c) => ({ ...candidateKeys(c), ...extra(c) }));
  const zipCandidates: Record<string, unknown[]> = {};
  for (const k of Object.keys(keys[0])) zipCandidates[k] = keys.map((x) => x[k]);
  const runKeys = flatten(runs[0]);
  const zipRuns: Record<string, unknown[]> = {};
  for (const k of Object.keys(runKeys)) zipRuns[k] = runs.map((r) => flatten(r)[k]);
  // Grid axes come first in the product; a one-value axis keeps it a product
  // of the two zip groups.
  return {
    name,
    base,
    zip: Object.keys(zipRuns).length ? [zipRuns, zipCandidates] : [zipCandidates],
  };
}

export function flatten(o: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    } else out[`${prefix}${k}`] = v;
  }
  return out;
}
