// runDemo end to end on a tiny spec: the sweep lands in the given store, the
// figure is written, the frontier table it prints is each page size's Pareto
// frontier as computed here straight from simulate() (means over seeds,
// brute-force dominance), and a second run reuses every point.
import assert from "node:assert/strict";
import { formatSize } from "../config/mod.ts";
import { simulate } from "../migration/mod.ts";
import { planSweep } from "../sweep/mod.ts";
import { runDemo } from "./mod.ts";

const SPEC = {
  name: "tiny-headline",
  base: {
    guest: { memory: "64MiB" },
    workload: { kind: "zipf", s: 1.2, scatter: false, workingSet: "16MiB", rate: "200k/s" },
    migration: { bandwidth: "256MiB/s", warmup: 10, maxRounds: 5 },
  },
  axes: { "iommu.pageSize": ["4KiB", "2MiB"], "tracking.split": ["none", "lazy"] },
  repeat: 2,
};

/** The frontier rows runDemo should print, from simulate() on every point of SPEC. */
async function expectedFrontier(): Promise<string[][]> {
  const plan = await planSweep(SPEC, { engineVersion: "direct" });
  const configs = new Map<string, { page: number; split: string; xs: number[]; ys: number[] }>();
  for (const p of plan.points) {
    const r = await simulate(p.config);
    const key = `${r.config.iommu.pageSize} ${r.config.tracking.split}`;
    const c = configs.get(key) ??
      { page: r.config.iommu.pageSize, split: r.config.tracking.split, xs: [], ys: [] };
    c.xs.push(r.summary.bytesTransferred);
    c.ys.push(r.summary.iotlbMissRate);
    configs.set(key, c);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const points = [...configs.values()].map((c) => ({ ...c, x: mean(c.xs), y: mean(c.ys) }));
  return points.filter((p) =>
    !points.some((q) => q.page === p.page && q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y))
  ).sort((a, b) => a.page - b.page || a.x - b.x)
    .map((p) => [formatSize(p.page), p.split, formatSize(Math.round(p.x)), (p.y * 100).toFixed(2)]);
}

Deno.test("runDemo: store, figure and the frontier as simulate() gives it; a second run reuses the points", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const opts = {
      spec: SPEC,
      store: `${dir}/r.duckdb`,
      svgPath: `${dir}/plots/frontier.svg`,
      progress: "none" as const,
      workers: 1,
    };
    const first = await runDemo(opts);
    assert.equal(first.sweep.points, 8, "2 page sizes x 2 splits x 2 seeds");
    assert.equal(first.sweep.ran, 8);
    const svg = await Deno.readTextFile(opts.svgPath);
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // page, split, clear batches, data sent, miss rate: one line per frontier point.
    const printed = first.frontierText.split("\n").slice(1).map((l) => {
      const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+([\d.]+)%/.exec(l);
      assert.ok(m, `a frontier line: ${l}`);
      assert.equal(m[3], "round", "the spec's one clear batch");
      return [m[1], m[2], m[4], m[5]];
    });
    assert.deepEqual(printed, await expectedFrontier());
    const second = await runDemo(opts);
    assert.equal(second.sweep.ran, 0);
    assert.equal(second.sweep.reused, 8);
    assert.equal(second.frontierText, first.frontierText);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
