// The two-core bench's arithmetic (two_cores_bench.ts) on made-up spans and
// on runners whose cost is known: runs that sleep share nothing (2x), runs
// that take twice as long while the other runner is busy give 1x.
import assert from "node:assert/strict";
import { classify, type Runner, scaling, type Span, toggle } from "./two_cores_bench.ts";

const span = (t0: number, t1: number, key = 0): Span => ({ t0, t1, key });

Deno.test("classify: alone without any overlap, beside only inside B's busy spans", () => {
  const b = [span(100, 150), span(152, 200), span(300, 350)]; // 100-200 busy (a 2 ms gap bridged)
  const a = [
    span(0, 90), // before B: alone
    span(110, 190), // inside B's runs, across the gap: beside
    span(190, 250), // B stops at 200: dropped
    span(210, 290), // between B's runs: alone
    span(290, 310), // B starts at 300: dropped
  ];
  const { alone, beside } = classify(a, b);
  assert.deepEqual(alone.map((s) => s.t0), [0, 210]);
  assert.deepEqual(beside.map((s) => s.t0), [110]);
  // A gap wider than gapMs splits the busy span: a run across it is dropped.
  assert.deepEqual(classify([span(110, 190)], [span(100, 150), span(170, 200)]).beside, []);
});

Deno.test("scaling: each key against its own median, B's windows against their neighbours", () => {
  // Windows of 100 ms: B busy in odd ones. Key 1 runs take 10 ms alone,
  // key 2 runs 40 ms; both take 1.25x as long beside B.
  const alone: Span[] = [], beside: Span[] = [];
  for (let w = 0; w < 6; w++) {
    for (const [key, ms] of [[1, 10], [2, 40]]) {
      const t0 = 100 * w + (key === 1 ? 0 : 50);
      if (w % 2) beside.push(span(t0, t0 + 1.25 * ms, key));
      else alone.push(span(t0, t0 + ms, key));
    }
  }
  const s = scaling(alone, beside, (t) => Math.floor(t / 100));
  assert.equal(s.windows, 2, "window 5 has no alone window after it");
  assert.ok(Math.abs(s.speedup - 2 / 1.25) < 1e-12, `${s.speedup}`);
  assert.deepEqual([s.alone, s.beside], [6, 6]);
});

/**
 * A runner that takes `ms`, or `slow`× that when the other runner is busy as
 * it starts: it sleeps that long and reports exactly that span, so a loaded
 * machine's late timers move when runs start, not what they measure.
 */
function sleeper(ms: number, slow: number, busy: { a: boolean; b: boolean }, me: "a" | "b") {
  const other = me === "a" ? "b" : "a";
  const run: Runner = async (k) => {
    busy[me] = true;
    const t0 = performance.now(), length = busy[other] ? ms * slow : ms;
    await new Promise((r) => setTimeout(r, length));
    busy[me] = false;
    return { t0, t1: t0 + length, key: k % 2 };
  };
  return run;
}

Deno.test("toggle: runners that share nothing give 2x, runners that halve each other 1x", async () => {
  for (const [slow, want] of [[1, 2], [2, 1]]) {
    const busy = { a: false, b: false };
    const s = await toggle(sleeper(10, slow, busy, "a"), sleeper(10, slow, busy, "b"), {
      windowMs: 150,
      totalMs: 1500,
      gapMs: 50, // wider than a late timer; B idles 150 ms between its windows
    });
    assert.ok(s.windows >= 3, `${s.windows} windows`);
    assert.ok(Math.abs(s.speedup - want) < 1e-9, `slow ${slow}: ${s.speedup}, want ${want}`);
  }
});

Deno.test("benchTwoCores: both rows, from real sweep workers (the fake engine) and the C program", async () => {
  const { benchTwoCores } = await import("./two_cores_bench.ts");
  const { FAKE_ENGINE } = await import("../testing/helpers.ts");
  const rows = await benchTwoCores({
    engine: FAKE_ENGINE,
    windowMs: 200,
    engineMs: 1200,
    cMs: 1200,
  });
  assert.deepEqual(rows.map((r) => r.name), [
    "engine: 2 sweep workers, steady state / 1",
    "C reference: 2 iotlb_ref processes, steady state / 1",
  ]);
  // The fake engine's points are tiny: what is checked is that they ran and were classified.
  assert.ok(Number.isFinite(rows[0].value) && rows[0].value > 0, rows[0].note);
  assert.ok(
    Number.isFinite(rows[1].value) ? rows[1].value > 0 : rows[1].note === "skipped: no cc",
    rows[1].note,
  );
});
