import assert from "node:assert/strict";
import { colorsFor, formatMs, MORE_POLICY_COLORS, PALETTE, POLICY_COLORS } from "./marks.ts";

Deno.test("formatMs: each duration in its unit, 3 significant digits", () => {
  assert.equal(formatMs(0), "0");
  assert.equal(formatMs(0.25), "250 µs");
  assert.equal(formatMs(12.345), "12.3 ms");
  assert.equal(formatMs(2500), "2.5 s");
  assert.equal(formatMs(-0.5), "-500 µs");
});

Deno.test("MORE_POLICY_COLORS: the rest of the palette, none of a policy's colours", () => {
  const policy = Object.values(POLICY_COLORS);
  assert.deepEqual(
    [...MORE_POLICY_COLORS].sort(),
    PALETTE.filter((c) => !policy.includes(c)).sort(),
  );
});

Deno.test("colorsFor: fixed colours first, the others in turn", () => {
  assert.deepEqual(
    colorsFor(["lazy", "x", "none", "y", "z"], POLICY_COLORS, ["#a", "#b"]),
    ["#3ca951", "#a", "#4269d0", "#b", "#a"],
  );
});
