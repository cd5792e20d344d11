// Clear policies as a registry: each kind's invalidations for one read (the
// counts MODEL.md §6 gives), and a bad policy is an error that names it and
// lists the known kinds.

import assert from "node:assert/strict";
import { VENDORS } from "../hw/mod.ts";
import { CLEAR_POLICY_KINDS, type ClearPolicy, createClearFlusher } from "./clear_policy.ts";
import type { Gather } from "./gather.ts";
import type { InvalidationQueue } from "./invalidator.ts";
import type { KernelFlushKnobs } from "./kernel_flush.ts";

/** A queue that records what it is asked for. */
function recorder() {
  const log: string[] = [];
  const queue: InvalidationQueue = {
    invalidatePages: (s, e) => log.push(`pages ${s / 4096}-${e / 4096}`),
    wait: () => log.push("wait"),
    flushGather(g: Gather) {
      if (g.runs === 0) return;
      for (let i = 0; i < g.runs; i++) this.invalidatePages(g.starts[i], g.ends[i]);
      this.wait();
      g.clear();
    },
    flushDomain: () => log.push("domain"),
    applySync(sync) {
      for (const i of sync.invalidations) {
        log.push(
          i.kind === "domain" ? "domain" : `pages ${i.iova / 4096}-${(i.iova + i.length) / 4096}`,
        );
      }
      if (sync.waits) log.push(`${sync.commands} commands, ${sync.waits} wait`);
    },
  };
  return { log, queue };
}

/** One read that cleared 4 KiB pages `pages`, in IOVA order, under `policy`. */
function oneRead(policy: ClearPolicy, pages: number[], vendor = VENDORS.intel): string[] {
  const { log, queue } = recorder();
  const f = createClearFlusher(policy, { queue, vendor });
  for (const p of pages) f.leafCleared(p * 4096, (p + 1) * 4096);
  f.readDone();
  return log;
}

Deno.test("batch, round and unsafe-skip invalidate a read's cleared leaves their way", () => {
  const pages = [0, 1, 2, 5];
  assert.deepEqual(oneRead({ kind: "batch", n: 1 }, pages), [
    "pages 0-1",
    "wait",
    "pages 1-2",
    "wait",
    "pages 2-3",
    "wait",
    "pages 5-6",
    "wait",
  ]);
  assert.deepEqual(oneRead({ kind: "batch", n: 3 }, pages), [
    "pages 0-3",
    "wait",
    "pages 5-6",
    "wait",
  ]);
  assert.deepEqual(oneRead({ kind: "round" }, pages), ["domain"]);
  assert.deepEqual(oneRead({ kind: "round" }, []), [], "nothing cleared, nothing flushed");
  assert.deepEqual(oneRead({ kind: "unsafe-skip" }, pages), []);
});

const KNOBS: KernelFlushKnobs = {
  intel: { pageSelective: true, mamv: 18 },
  smmuv3: { rangeInvalidation: false, gatherPgsize: "unset", asidFallback: true },
  amd: { npCache: false },
};

Deno.test("kernel: one gather a read, one sync by the vendor's rule", () => {
  const kernel: ClearPolicy = { kind: "kernel", knobs: KNOBS };
  const pages = [0, 1, 2, 5];
  // Intel: [0, 24 KiB) → 8 pages aligned at 0 (mask 3), one PSI and one wait.
  assert.deepEqual(oneRead(kernel, pages), ["pages 0-8", "1 commands, 1 wait"]);
  // AMD: msb_diff of 0 ^ 0x5fff is 14: one 32 KiB range.
  assert.deepEqual(oneRead(kernel, pages, VENDORS.amd), ["pages 0-8", "1 commands, 1 wait"]);
  // SMMUv3 as the source reads: gather->pgsize is 0, so nothing at all.
  assert.deepEqual(oneRead(kernel, pages, VENDORS.smmuv3), []);
  // The leaf size recorded instead: one TLBI a 4 KiB granule over [0, 24 KiB).
  const leaf = { ...KNOBS, smmuv3: { ...KNOBS.smmuv3, gatherPgsize: "leaf" as const } };
  assert.deepEqual(oneRead({ kind: "kernel", knobs: leaf }, pages, VENDORS.smmuv3), [
    "pages 0-6",
    "6 commands, 1 wait",
  ]);
  // Nothing cleared: the kernel syncs anyway; an empty gather is a DSI on Intel.
  assert.deepEqual(oneRead(kernel, []), ["domain", "1 commands, 1 wait"]);
});

Deno.test("a flusher starts each read afresh", () => {
  const { log, queue } = recorder();
  const f = createClearFlusher({ kind: "round" }, { queue, vendor: VENDORS.amd });
  f.leafCleared(0, 4096);
  f.readDone();
  f.readDone();
  assert.deepEqual(log, ["domain"]);
});

Deno.test("an unknown kind or a bad batch size is an error that says what is allowed", () => {
  const { queue } = recorder();
  const ctx = { queue, vendor: VENDORS.intel };
  assert.throws(
    () => createClearFlusher({ kind: "eager" } as unknown as ClearPolicy, ctx),
    new RegExp(`clear: kind "eager" is not one of ${CLEAR_POLICY_KINDS.join(", ")}`),
  );
  assert.throws(
    () => createClearFlusher({ kind: "batch", n: 0 }, ctx),
    /batch n 0 must be a positive integer/,
  );
  assert.deepEqual(CLEAR_POLICY_KINDS, ["batch", "round", "kernel", "unsafe-skip"]);
});
