// Every ninth of the demo's 81 points (one per page size × split policy, all
// three clear batches across them) against data/golden/demo81.json: a change
// to the engine that moves a result fails here; `deno task golden` checks all.
import assert from "node:assert/strict";
import { compare, GOLDEN, type PointResult, simulatePoints } from "./golden.ts";

Deno.test("golden: a sample of the demo's points matches data/golden/demo81.json", async () => {
  const golden: PointResult[] = JSON.parse(await Deno.readTextFile(GOLDEN));
  const now: PointResult[] = [];
  for await (const p of simulatePoints(4, 9)) now.push(p);
  assert.equal(now.length, 9);
  assert.deepEqual(compare(golden, now, true), []);
});
