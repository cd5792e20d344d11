import assert from "node:assert/strict";
import fc from "fast-check";
import * as aq from "arquero";
import {
  aggregateConfigs,
  convergedOf,
  frontierByPageSize,
  overlapGroups,
  paretoFrontier,
} from "./frontier_data.ts";

type P = { x: number; y: number; id?: string };

/** The definition, in O(n²): kept iff no other point dominates it. */
function bruteForce(points: P[]): P[] {
  const ok = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  return ok.filter((p) => !ok.some((q) => q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y)));
}

Deno.test("paretoFrontier: a worked example", () => {
  const pts: P[] = [
    { id: "a", x: 1, y: 9 },
    { id: "b", x: 2, y: 5 },
    { id: "c", x: 3, y: 6 }, // dominated by b
    { id: "d", x: 4, y: 2 },
    { id: "e", x: 4, y: 3 }, // same x as d, higher y
    { id: "f", x: 9, y: 2 }, // same y as d, larger x
    { id: "g", x: 10, y: 1 },
  ];
  assert.deepEqual(paretoFrontier(pts, "x", "y").map((p) => p.id), ["a", "b", "d", "g"]);
});

Deno.test("paretoFrontier: equal points are both kept; non-finite ones ignored; accessors", () => {
  const pts: P[] = [{ id: "a", x: 1, y: 1 }, { id: "b", x: 1, y: 1 }, { id: "c", x: NaN, y: 0 }];
  assert.deepEqual(paretoFrontier(pts, "x", "y").map((p) => p.id), ["a", "b"]);
  assert.deepEqual(paretoFrontier([], "x", "y"), []);
  const neg = paretoFrontier(pts.slice(0, 2), (d) => -d.x, (d) => d.y);
  assert.equal(neg.length, 2);
});

Deno.test('paretoFrontier: equal points keep their input order (notebook 03\'s "none = lazy")', () => {
  const pts: P[] = [
    { id: "none", x: 3, y: 3 },
    { id: "eager", x: 1, y: 9 },
    { id: "lazy", x: 3, y: 3 },
    { id: "worse", x: 4, y: 4 },
  ];
  assert.deepEqual(paretoFrontier(pts, "x", "y").map((p) => p.id), ["eager", "none", "lazy"]);
});

Deno.test("paretoFrontier equals the O(n²) definition (property)", () => {
  const small = fc.integer({ min: 0, max: 6 }); // small ranges force ties
  fc.assert(
    fc.property(fc.array(fc.record({ x: small, y: small }), { maxLength: 40 }), (pts) => {
      const key = (p: P) => `${p.x},${p.y}`;
      const got = paretoFrontier(pts, "x", "y").map(key).sort();
      const want = bruteForce(pts).map(key).sort();
      assert.deepEqual(got, want);
      // Sorted by x, and y strictly falls between distinct points.
      const f = paretoFrontier(pts, "x", "y");
      for (let i = 1; i < f.length; i++) {
        assert.ok(f[i].x >= f[i - 1].x);
        if (f[i].x !== f[i - 1].x || f[i].y !== f[i - 1].y) assert.ok(f[i].y < f[i - 1].y);
      }
    }),
  );
});

function run(pageSize: number, split: string, cb: string, seed: number, x: number, y: number) {
  return {
    iommu_pageSize: pageSize,
    tracking_split: split,
    tracking_clearBatch: cb,
    seed,
    bytesTransferred: x,
    iotlbMissRate: y,
    iotlbMissRateBaseline: 0.01,
    status: "ok",
  };
}

Deno.test("aggregateConfigs: one point per configuration, mean and min-max over seeds", () => {
  const rows = [
    run(2097152, "lazy", "64", 1, 100, 0.1),
    run(2097152, "lazy", "64", 2, 200, 0.3),
    run(2097152, "lazy", "64", 3, 600, 0.2),
    run(4096, "none", "round", 1, 50, 0.5),
    { ...run(4096, "none", "round", 2, 1e9, 0.9), status: "failed" }, // skipped
    { ...run(4096, "eager", "1", 1, NaN, 0.9) }, // no x: skipped
  ];
  const pts = aggregateConfigs(rows);
  assert.equal(pts.length, 2);
  const [small, huge] = pts; // sorted by page size
  assert.equal(small.pageSizeLabel, "4KiB");
  assert.equal(small.n, 1);
  assert.equal(huge.pageSizeLabel, "2MiB");
  assert.equal(huge.split, "lazy");
  assert.equal(huge.clearBatch, "64");
  assert.equal(huge.n, 3);
  assert.equal(huge.x, 300);
  assert.equal(huge.xMin, 100);
  assert.equal(huge.xMax, 600);
  assert.ok(Math.abs(huge.y - 0.2) < 1e-12);
  assert.equal(huge.yMin, 0.1);
  assert.equal(huge.yMax, 0.3);
  assert.equal(huge.baseline, 0.01);
  assert.deepEqual(Object.keys(huge.config), [
    "iommu_pageSize",
    "tracking_clearBatch",
    "tracking_split",
  ]);
});

Deno.test("aggregateConfigs: Arquero tables and bigint columns (DuckDB) give the same points", () => {
  const rows = [run(4096, "none", "1", 1, 10, 0.1), run(4096, "none", "1", 2, 30, 0.3)];
  const fromTable = aggregateConfigs(
    aq.from(rows.map((r) => ({ ...r, bytesTransferred: BigInt(r.bytesTransferred) }))),
  );
  assert.deepEqual(fromTable, aggregateConfigs(rows));
  assert.equal(fromTable[0].x, 20);
});

Deno.test("aggregateConfigs: a config column other than the seed separates configurations", () => {
  const rows = [
    { ...run(4096, "none", "1", 1, 10, 0.1), workload_kind: "uniform" },
    { ...run(4096, "none", "1", 1, 20, 0.2), workload_kind: "zipf" },
  ];
  assert.equal(aggregateConfigs(rows).length, 2);
});

Deno.test("frontierByPageSize: a frontier per facet", () => {
  const pts = aggregateConfigs([
    run(4096, "none", "1", 1, 10, 0.5),
    run(4096, "eager", "1", 1, 20, 0.4),
    run(2097152, "none", "1", 1, 90, 0.1),
    run(2097152, "lazy", "1", 1, 30, 0.3),
    run(2097152, "eager", "1", 1, 40, 0.35), // dominated by lazy
  ]);
  const f = frontierByPageSize(pts);
  assert.deepEqual(f.get(4096)!.map((p) => p.split), ["none", "eager"]);
  assert.deepEqual(f.get(2097152)!.map((p) => p.split), ["lazy", "none"]);
});

Deno.test("aggregateConfigs: carries how many runs converged", () => {
  const rows = [
    { ...run(2097152, "none", "1", 1, 10, 0.1), converged: true },
    { ...run(2097152, "none", "1", 2, 10, 0.1), converged: false },
    { ...run(2097152, "none", "1", 3, 10, 0.1), converged: true },
    { ...run(4096, "none", "1", 1, 10, 0.1), converged: false },
    { ...run(4096, "eager", "1", 1, 10, 0.1) }, // no column
  ];
  const [none4k, eager, none2m] = aggregateConfigs(rows); // page size, then split order
  assert.equal(none2m.nConverged, 2);
  assert.equal(none2m.nNotConverged, 1);
  assert.equal(none2m.convergedFraction, 2 / 3);
  assert.equal(none4k.convergedFraction, 0);
  assert.equal(none4k.nNotConverged, 1);
  assert.ok(Number.isNaN(eager.convergedFraction));
  assert.equal(eager.nConverged + eager.nNotConverged, 0);
  // DuckDB gives booleans; text and 0/1 columns are read too.
  assert.deepEqual(
    [true, false, "true", "FALSE", 1, 0, null, "maybe"].map((v) => convergedOf({ converged: v })),
    [true, false, true, false, true, false, undefined, undefined],
  );
});

Deno.test("overlapGroups: configurations on the same spot of a facet", () => {
  const pts = aggregateConfigs([
    run(4096, "none", "1", 1, 1000, 0.2),
    run(4096, "none", "64", 1, 1004, 0.2), // within 1% of x: same spot
    run(4096, "eager", "1", 1, 1000, 0.3), // other y
    run(4096, "lazy", "1", 1, 1100, 0.2), // other x
    run(2097152, "none", "1", 1, 1000, 0.2), // other facet
  ]);
  const groups = overlapGroups(pts, 0.01, 0.005);
  assert.equal(groups.length, 4);
  const shared = groups.filter((g) => g.length > 1);
  assert.equal(shared.length, 1);
  // In drawing (input) order.
  assert.deepEqual(shared[0].map((p) => p.clearBatch), ["1", "64"]);
  assert.deepEqual(groups.flat().length, pts.length);
});
