// runDemo end to end on a tiny spec: the sweep lands in the given store, the
// figure is written, the frontier table names each page size's frontier, and
// a second run reuses every point.
import assert from "node:assert/strict";
import { runDemo } from "./mod.ts";

Deno.test("runDemo: store, figure and frontier table; a second run reuses the points", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = {
      name: "tiny-headline",
      base: {
        guest: { memory: "64MiB" },
        workload: { kind: "zipf", s: 1.2, scatter: false, workingSet: "16MiB", rate: "200k/s" },
        migration: { bandwidth: "256MiB/s", warmup: 10, maxRounds: 5 },
      },
      axes: { "iommu.pageSize": ["4KiB", "2MiB"], "tracking.split": ["none", "lazy"] },
      repeat: 2,
    };
    const opts = {
      spec,
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
    assert.match(first.frontierText, /^4KiB /m);
    assert.match(first.frontierText, /^2MiB /m);
    const second = await runDemo(opts);
    assert.equal(second.sweep.ran, 0);
    assert.equal(second.sweep.reused, 8);
    assert.equal(second.frontierText, first.frontierText);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
