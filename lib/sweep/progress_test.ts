// The progress display: in "lines" mode a line comes every interval while the
// work runs, also when no point finishes in between (slow points, a queued
// Slurm job), and none after stop; a callback sees every update and the end.

import assert from "node:assert/strict";
import { progressLine, startDisplay, startProgress } from "./progress.ts";

/** Runs `f` with console.error captured. */
async function captured(f: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await f();
  } finally {
    console.error = original;
  }
  return lines;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("lines: printed every interval while nothing finishes, and not after stop", async () => {
  let n = 0;
  let afterStop = 0;
  const lines = await captured(async () => {
    const d = startDisplay("lines", {
      info: () => ++n,
      line: (p) => `line ${p}`,
      bar: { format: "", value: () => 0, total: () => 1, payload: () => ({}) },
      intervalSec: 0.05,
    });
    await sleep(280);
    d.stop();
    d.stop();
    const before = n;
    await sleep(150);
    afterStop = n - before;
  });
  // One at the start, about five from the timer, and the last one at stop.
  assert.ok(lines.length >= 4, lines.join("\n"));
  assert.equal(lines[0], "line 1");
  assert.equal(afterStop, 0, "the timer ended at stop");
});

Deno.test("startProgress in lines mode: lines keep coming during a slow point", async () => {
  const lines = await captured(async () => {
    const p = startProgress("lines", { total: 2, reused: 0, intervalSec: 0.05, label: "slow" });
    await sleep(200); // the first point takes long: no tick yet
    p.tick(false);
    p.tick(false);
    p.stop();
  });
  const waiting = lines.filter((l) => l.startsWith("slow: 0/2 points"));
  assert.ok(waiting.length >= 3, lines.join("\n"));
  assert.match(lines.at(-1)!, /^slow: 2\/2 points, [\d.]+ runs\/s, ETA 0s$/);
});

Deno.test("callback: every update and the end", () => {
  const seen: number[] = [];
  let v = 0;
  const d = startDisplay((p: number) => seen.push(p), {
    info: () => v,
    line: String,
    bar: { format: "", value: () => 0, total: () => 1, payload: () => ({}) },
  });
  v = 1;
  d.update();
  v = 2;
  d.stop();
  d.update();
  assert.deepEqual(seen, [0, 1, 2]);
});

Deno.test("progress lines say points done, stored, failed, runs/s and ETA", () => {
  assert.equal(
    progressLine({
      done: 12,
      total: 27,
      reused: 3,
      failed: 1,
      elapsedMs: 1000,
      runsPerSec: 2.5,
      etaSec: 75,
    }),
    "sweep: 12/27 points (3 stored), 1 failed, 2.50 runs/s, ETA 1m15s",
  );
});
