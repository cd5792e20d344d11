// LRU miss-rate theory against worked cases (fully associative 1 − C/N, the
// cyclic step at C, an 8-way cache of contiguous pages), and the miss-rate
// figure's structure: a facet per geometry, marks and theory lines.

import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import {
  geometryLabel,
  lruMissTheory,
  missRatePlot,
  type MissRatePoint,
} from "./validation_plots.ts";

// deno-lint-ignore no-explicit-any
type Loose = any;
function parse(svg: string): Loose {
  return (parseHTML(`<!doctype html><html><body>${svg}</body></html>`) as Loose).document;
}

Deno.test("lruMissTheory: fully associative is 1 − C/N for uniform and a step at C for cyclic", () => {
  for (const n of [1, 16, 63, 64]) {
    assert.equal(lruMissTheory("uniform", n, 64, 64), 0);
    assert.equal(lruMissTheory("cyclic", n, 64, 64), 0);
  }
  for (const n of [65, 96, 128, 1024]) {
    assert.ok(Math.abs(lruMissTheory("uniform", n, 64, 64) - (1 - 64 / n)) < 1e-15);
    assert.equal(lruMissTheory("cyclic", n, 64, 64), 1);
  }
});

Deno.test("lruMissTheory: set-associative, contiguous pages spread over the sets", () => {
  // Contiguous pages fill 8 sets evenly: uniform stays 1 − C/N at every N.
  for (const n of [8, 50, 64, 65, 71, 72, 100, 1000]) {
    assert.ok(
      Math.abs(lruMissTheory("uniform", n, 64, 8) - Math.max(0, 1 - 64 / n)) < 1e-15,
      `N = ${n}`,
    );
  }
  // Cyclic: one set of 9 pages at N = 65 misses (9 of 65 accesses); every set at 72.
  assert.equal(lruMissTheory("cyclic", 64, 64, 8), 0);
  assert.equal(lruMissTheory("cyclic", 65, 64, 8), 9 / 65);
  assert.equal(lruMissTheory("cyclic", 68, 64, 8), 36 / 68);
  assert.equal(lruMissTheory("cyclic", 72, 64, 8), 1);
  assert.throws(() => lruMissTheory("uniform", 10, 64, 7), RangeError);
  assert.throws(() => lruMissTheory("uniform", 0, 64, 8), RangeError);
});

Deno.test("geometryLabel names the two shapes", () => {
  assert.equal(geometryLabel(64, 64), "fully associative, 64 entries");
  assert.equal(geometryLabel(64, 8), "8-way, 64 entries (8 sets)");
});

Deno.test("missRatePlot: a facet per geometry, a mark per point, theory lines per pattern", () => {
  const points: MissRatePoint[] = [];
  for (const ways of [64, 8]) {
    for (const pages of [16, 64, 65, 128, 1024]) {
      for (const pattern of ["uniform", "cyclic"] as const) {
        points.push({
          pattern,
          entries: 64,
          ways,
          pages,
          missRate: lruMissTheory(pattern, pages, 64, ways),
        });
      }
    }
  }
  const svg = missRatePlot(points, { source: "a unit test", tolerance: "Tolerance: none." });
  const doc = parse(svg);
  const root = doc.querySelector("svg.figure");
  assert.ok(root, "a standalone figure <svg>");
  assert.equal(doc.querySelectorAll("g.measured").length, 2, "one mark group per facet");
  assert.equal(doc.querySelectorAll("g.measured path").length, 20);
  assert.equal(doc.querySelectorAll("g.theory-uniform path").length, 2);
  assert.equal(doc.querySelectorAll("g.theory-cyclic path").length, 2);
  assert.equal(doc.querySelectorAll("g.capacity line").length, 2);
  const fx = [...doc.querySelectorAll('g[aria-label="fx-axis tick label"] text')].map((t: Loose) =>
    t.textContent
  );
  assert.deepEqual(fx, ["fully associative, 64 entries", "8-way, 64 entries (8 sets)"]);
  assert.match(svg, /a unit test/);
  assert.match(svg, /Tolerance: none\./);
  assert.throws(() => missRatePlot([]), /no points/);
});
