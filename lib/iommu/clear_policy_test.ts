// Clear policies as a registry: each kind's invalidations for one read (the
// counts MODEL.md §6 gives), and a bad policy is an error that names it and
// lists the known kinds.

import assert from "node:assert/strict";
import { VENDORS } from "../hw/mod.ts";
import { CLEAR_POLICY_KINDS, type ClearPolicy, createClearFlusher } from "./clear_policy.ts";
import type { Gather } from "./gather.ts";
import type { InvalidationQueue } from "./invalidator.ts";

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
  };
  return { log, queue };
}

/** One read that cleared 4 KiB pages `pages`, in IOVA order, under `policy`. */
function oneRead(policy: ClearPolicy, pages: number[]): string[] {
  const { log, queue } = recorder();
  const f = createClearFlusher(policy, { queue, vendor: VENDORS.intel });
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
  assert.deepEqual(CLEAR_POLICY_KINDS, ["batch", "round", "unsafe-skip"]);
});
