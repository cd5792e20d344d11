// The figures tested by their data and SVG structure: facets, marks, legends,
// tooltips and captions (with either guest cost on y), convergence and overlap
// labels, and the positions of the marks and the frontier line checked against
// the input through the axes' own ticks (so a mark drawn at the wrong value fails).

import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import { frontierPlot, roundsPlot } from "./plots.ts";

// Deno's types have no DOM; linkedom's document is queried loosely here.
// deno-lint-ignore no-explicit-any
type Loose = any;
function parse(svg: string): Loose {
  return (parseHTML(`<!doctype html><html><body>${svg}</body></html>`) as Loose).document;
}

const SIZES = [4096, 2 ** 21, 2 ** 30];
const SPLITS = ["none", "eager", "lazy"];
const BATCHES = ["1", "64", "round"];

/** A 3×3×3 grid with 2 seeds; numbers vary by config so marks are distinct. */
function grid() {
  const rows = [];
  for (const [i, pageSize] of SIZES.entries()) {
    for (const [j, split] of SPLITS.entries()) {
      for (const [k, cb] of BATCHES.entries()) {
        for (const seed of [1, 2]) {
          rows.push({
            iommu_pageSize: pageSize,
            tracking_split: split,
            tracking_clearBatch: cb,
            seed,
            bytesTransferred: 2 ** 32 + (i + 1) * 2 ** 26 * (3 - j) + k * 2 ** 20 + seed * 2 ** 18,
            iotlbMissRate: 0.01 * (1 + j) + 0.003 * k + 0.001 * seed,
            iotlbMissRateBaseline: 0.005 * (3 - i),
            guestDmaSlowdown: 0.1 * j + 0.01 * seed,
            status: "ok",
          });
        }
      }
    }
  }
  return rows;
}

Deno.test("frontierPlot: one facet per page size, one mark per configuration", () => {
  const doc = parse(frontierPlot(grid(), { source: "a unit test" }));
  const root = doc.querySelector("svg.figure");
  assert.ok(root, "a standalone figure <svg>");
  assert.equal(root.getAttribute("xmlns"), "http://www.w3.org/2000/svg");
  // Plot draws a mark once per facet: one <g class=configuration> a facet.
  const facets = doc.querySelectorAll("g.configuration");
  assert.equal(facets.length, 3);
  const dots = doc.querySelectorAll("g.configuration path");
  assert.equal(dots.length, 27);
  for (const g of facets) assert.equal(g.querySelectorAll("path").length, 9);
  // Facet labels, in page-size order.
  const fx = [...doc.querySelectorAll('g[aria-label="fx-axis tick label"] text')].map((t) =>
    t.textContent
  );
  assert.deepEqual(fx, ["4KiB", "2MiB", "1GiB"]);
  // Min-max rules only where several seeds were aggregated: all 27 here.
  assert.equal(doc.querySelectorAll("g.seed-range-y line").length, 27);
  // A frontier line and a baseline per facet.
  assert.equal(doc.querySelectorAll("g.frontier path").length, 3);
  assert.equal(doc.querySelectorAll("g.baseline line").length, 3);
});

Deno.test("frontierPlot: legends, axis labels, title, caption and tooltips", () => {
  const svg = frontierPlot(grid(), { source: "a unit test" });
  const doc = parse(svg);
  const labels = (name: string) =>
    [...doc.querySelectorAll(`svg[aria-label="legend ${name}"] g.legend-label text`)].map((
      t: { textContent: string },
    ) => t.textContent);
  assert.deepEqual(labels("Split policy"), SPLITS);
  assert.deepEqual(labels("Clear batch"), BATCHES);
  assert.deepEqual(labels("Lines"), [
    "Pareto frontier (per page size)",
    "miss rate before tracking",
  ]);
  assert.equal(doc.querySelectorAll("g.legend-entry").length, 3 + 3 + 2);
  const texts = [...doc.querySelectorAll("text")].map((t: { textContent: string }) =>
    t.textContent
  );
  assert.ok(texts.some((t) => t.includes("Migration data transferred")));
  assert.ok(texts.some((t) => t.includes("IOTLB miss rate")));
  const xTicks = [...doc.querySelectorAll('g[aria-label="x-axis tick label"] text')].map((
    t: Loose,
  ) => t.textContent);
  assert.ok(xTicks.length >= 3 && xTicks.every((t: string) => / GiB$/.test(t)), `${xTicks}`);
  assert.ok(doc.querySelector("text.figure-title").textContent.length > 0);
  assert.match(
    [...doc.querySelectorAll("text.figure-caption")].map((t: { textContent: string }) =>
      t.textContent
    ).join(" "),
    /27 configurations, 54 runs\. Data: a unit test\./,
  );
  // Every configuration mark carries its config as a hover title.
  const titles = [...doc.querySelectorAll("g.configuration path title")].map((
    t: { textContent: string },
  ) => t.textContent);
  assert.equal(titles.length, 27);
  const lazy64 = titles.find((t) => t.startsWith("split lazy, clear batch 64, IO page 2MiB"));
  assert.ok(lazy64, "a tooltip for lazy/64/2MiB");
  // mean of 0.03 + 0.003 + 0.001·seed over seeds 1 and 2, with its min-max.
  assert.match(lazy64, /IOTLB miss rate: 3\.45% \(3\.4% – 3\.5%\)/);
  assert.ok(titles.every((t) => t.includes("runs (seeds): 2")));
  // Colour follows the split policy: lazy marks are outlined green.
  const lazy = [...doc.querySelectorAll("g.configuration path")].filter((
    p: { textContent: string },
  ) => p.textContent.startsWith("split lazy"));
  assert.equal(lazy.length, 9);
  for (const p of lazy) assert.equal(p.getAttribute("stroke"), "#3ca951");
});

Deno.test('frontierPlot: y "guestDmaSlowdown" puts the DMA slowdown on y, with no baseline', () => {
  const doc = parse(frontierPlot(grid(), { y: "guestDmaSlowdown", source: "a unit test" }));
  assert.equal(doc.querySelectorAll("g.configuration path").length, 27);
  assert.equal(doc.querySelectorAll("g.baseline line").length, 0, "0 is tracking off");
  const texts = [...doc.querySelectorAll("text")].map((t: Loose) => t.textContent);
  assert.ok(texts.some((t: string) => t.includes("Guest DMA slowdown while tracking")));
  assert.ok(!texts.some((t: string) => t.includes("Guest IOTLB miss rate")));
  const titles = [...doc.querySelectorAll("g.configuration path title")].map((t: Loose) =>
    t.textContent
  );
  const eager = titles.find((t: string) =>
    t.startsWith("split eager, clear batch 1, IO page 4KiB")
  );
  // mean of 0.1 + 0.01·seed over seeds 1 and 2.
  assert.match(eager, /DMA slowdown: 11\.5% \(11% – 12%\)/);
  // The downtime on y instead: in ms, not percent, and no baseline either.
  const rows = grid().map((r) => ({ ...r, downtimeMs: 50 + 10 * r.seed }));
  const dt = parse(frontierPlot(rows, { y: "downtimeMs" }));
  const dtTexts = [...dt.querySelectorAll("text")].map((t: Loose) => t.textContent);
  assert.ok(dtTexts.some((t: string) => t.includes("Downtime: stop-and-copy, last read")));
  const dtTitle = [...dt.querySelectorAll("g.configuration path title")][0].textContent;
  assert.match(dtTitle, /downtime: 65 ms \(60 ms – 70 ms\)/);
  assert.equal(dt.querySelectorAll("g.baseline line").length, 0);
  // Tracking a hair faster than a cold warm-up: every slowdown ≤ 0 still draws.
  const flat = grid().map((r) => ({ ...r, guestDmaSlowdown: -1e-4 * r.seed }));
  const f = parse(frontierPlot(flat, { y: "guestDmaSlowdown" }));
  assert.equal(f.querySelectorAll("g.configuration path").length, 27);
});

/** A tick label's bytes: "4.2 GiB" → 4.2 · 2³⁰. */
function bytesOf(label: string): number {
  const [n, unit] = label.split(" ");
  const factor = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 }[unit];
  assert.ok(factor, `a byte label: ${label}`);
  return Number(n) * factor;
}

/** The x and y of a `translate(x,y)` transform. */
function translateOf(el: Loose): [number, number] {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(el.getAttribute("transform") ?? "");
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * The scale an axis draws, read from its tick labels: the pixel of a value,
 * fitted through the first and last tick (`t` maps a value to the axis's
 * own coordinate, e.g. log2 on a log axis). Ticks are [label value, pixel].
 */
function axisScale(ticks: [number, number][], t: (v: number) => number) {
  const [v0, p0] = ticks[0], [v1, p1] = ticks[ticks.length - 1];
  return (v: number) => p0 + (t(v) - t(v0)) / (t(v1) - t(v0)) * (p1 - p0);
}

Deno.test("frontierPlot: marks sit where their data says, against the axes' own ticks", () => {
  const rows = grid();
  const doc = parse(frontierPlot(rows));
  // Each configuration's mean and range over its seeds, computed here from the rows.
  const configs = new Map<string, { xs: number[]; ys: number[]; pageSize: number }>();
  for (const r of rows) {
    const key = `split ${r.tracking_split}, clear batch ${r.tracking_clearBatch}, IO page ${
      ({ 4096: "4KiB", 2097152: "2MiB", 1073741824: "1GiB" } as Record<number, string>)[
        r.iommu_pageSize
      ]
    }`;
    const c = configs.get(key) ?? { xs: [], ys: [], pageSize: r.iommu_pageSize };
    c.xs.push(r.bytesTransferred);
    c.ys.push(r.iotlbMissRate);
    configs.set(key, c);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  // y: the miss rate in percent on a linear axis; x: bytes on a log axis, per facet.
  const yTicks: [number, number][] = [
    ...doc.querySelectorAll('g[aria-label="y-axis tick label"] text'),
  ].map((t: Loose) => [Number(t.textContent) / 100, translateOf(t)[1]]);
  const y = axisScale(yTicks, (v) => v);
  const xTickFacets = [...doc.querySelectorAll('g[aria-label="x-axis tick label"] > g')];
  const dotFacets = [...doc.querySelectorAll("g.configuration")];
  const frontiers = [...doc.querySelectorAll("g.frontier path")];
  assert.equal(dotFacets.length, SIZES.length);
  let checked = 0;
  SIZES.forEach((pageSize, f) => {
    const xTicks: [number, number][] = [...xTickFacets[f].querySelectorAll("text")].map((
      t: Loose,
    ) => [bytesOf(t.textContent), translateOf(t)[0]]);
    const x = axisScale(xTicks, Math.log2);
    for (const dot of dotFacets[f].querySelectorAll("path")) {
      const c = configs.get(dot.textContent.split("\n")[0])!;
      assert.equal(c.pageSize, pageSize, "the dot is in its page size's facet");
      const [px, py] = translateOf(dot);
      assert.ok(Math.abs(px - x(mean(c.xs))) < 0.01, `${dot.textContent}: x ${px}`);
      assert.ok(Math.abs(py - y(mean(c.ys))) < 0.01, `${dot.textContent}: y ${py}`);
      checked++;
    }
    // The frontier joins exactly the configurations no other of the facet
    // dominates (found here by brute force), left to right.
    const means = [...configs.values()].filter((c) => c.pageSize === pageSize)
      .map((c) => ({ x: mean(c.xs), y: mean(c.ys) }));
    const front = means.filter((p) =>
      !means.some((q) => q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y))
    ).sort((a, b) => a.x - b.x);
    // A step-after line: the data points are the first vertex and every second one after it.
    const vertices = [...frontiers[f].getAttribute("d").matchAll(/[ML]([-\d.]+),([-\d.]+)/g)]
      .map((m) => [Number(m[1]), Number(m[2])]).filter((_, i) => i % 2 === 0);
    assert.equal(vertices.length, front.length);
    vertices.forEach(([vx, vy], i) => {
      assert.ok(Math.abs(vx - x(front[i].x)) < 0.01 && Math.abs(vy - y(front[i].y)) < 0.01);
    });
  });
  assert.equal(checked, configs.size);
});

Deno.test("frontierPlot: single seeds draw no min-max rules; no rows is an error", () => {
  const one = grid().filter((r) => r.seed === 1 && r.iommu_pageSize === 4096);
  const doc = parse(frontierPlot(one, { baseline: false }));
  assert.equal(doc.querySelectorAll("g.configuration").length, 1);
  assert.equal(doc.querySelectorAll("g.seed-range-y line").length, 0);
  assert.equal(doc.querySelectorAll("g.baseline line").length, 0);
  assert.throws(() => frontierPlot([]), /no successful runs/);
});

const GiB = 2 ** 30;

/**
 * Like the demo sweep: x from ~1 GiB to 16 GiB (power-of-two ticks), 3 seeds,
 * clear batches that do not move the result (so marks coincide), and the
 * "none" split not converging on huge pages (pre-copy hit maxRounds).
 */
function demoLike() {
  const at: Record<string, [number, number]> = {
    "4096 none": [1.11, 0.435],
    "4096 eager": [1.11, 0.435],
    "4096 lazy": [1.11, 0.435],
    "2097152 none": [4.75, 0.0237],
    "2097152 eager": [1.11, 0.435],
    "2097152 lazy": [1.29, 0.106],
    "1073741824 none": [16, 2.5e-7],
    "1073741824 eager": [1.11, 0.435],
    "1073741824 lazy": [2.11, 0.2275],
  };
  const rows = [];
  for (const pageSize of SIZES) {
    for (const split of SPLITS) {
      for (const cb of BATCHES) {
        for (const seed of [1, 2, 3]) {
          const [x, y] = at[`${pageSize} ${split}`];
          rows.push({
            iommu_pageSize: pageSize,
            tracking_split: split,
            tracking_clearBatch: cb,
            seed,
            bytesTransferred: x * GiB + seed * 2 ** 20,
            iotlbMissRate: y + seed * 1e-4,
            iotlbMissRateBaseline: pageSize === 4096 ? 0.435 : pageSize === 2 ** 21 ? 0.0237 : 0,
            converged: !(split === "none" && pageSize > 4096),
            status: "ok",
          });
        }
      }
    }
  }
  return rows;
}

const textsOf = (doc: Loose, selector: string): string[] =>
  [...doc.querySelectorAll(selector)].map((t: Loose) => t.textContent);

Deno.test("frontierPlot: configurations that did not converge get a ×, a label, a legend entry", () => {
  const doc = parse(frontierPlot(demoLike()));
  // none × 3 clear batches on 2MiB and 1GiB pages.
  const crosses = [...doc.querySelectorAll("g.not-converged path")];
  assert.equal(crosses.length, 6);
  for (const c of crosses) assert.match(c.textContent, /^split none, .*IO page (2MiB|1GiB)/);
  // One label per spot (the three clear batches coincide).
  assert.deepEqual(textsOf(doc, "g.not-converged-label text"), ["not converged", "not converged"]);
  const legend = doc.querySelector('svg[aria-label="legend Convergence"]');
  assert.ok(legend, "a Convergence legend");
  assert.equal(legend.querySelectorAll("g.legend-entry").length, 1);
  assert.match(textsOf(legend, "g.legend-label text")[0], /^not converged: .*maxRounds/);
  // Tooltips say it, both the configuration mark's and the ×'s.
  const tips = textsOf(doc, "g.configuration path title");
  const bad = tips.filter((t) => t.includes("NOT CONVERGED: 3 of 3 runs hit maxRounds"));
  assert.equal(bad.length, 6);
  assert.ok(bad.every((t) => t.startsWith("split none")));
  assert.equal(tips.filter((t) => t.includes("converged: 3/3 runs")).length, 21);
  assert.ok(crosses.every((c: Loose) => c.textContent.includes("NOT CONVERGED")));
  assert.match(
    textsOf(doc, "text.figure-caption").join(" "),
    /×: 6 configuration\(s\) with runs that did not converge \(18 runs in all\)/,
  );
});

Deno.test("frontierPlot: no ×, label or Convergence legend when every run converged", () => {
  for (const rows of [grid().map((r) => ({ ...r, converged: true })), grid()]) {
    const doc = parse(frontierPlot(rows));
    assert.equal(doc.querySelectorAll("g.not-converged path").length, 0);
    assert.equal(doc.querySelectorAll("g.not-converged-label text").length, 0);
    assert.equal(doc.querySelector('svg[aria-label="legend Convergence"]'), null);
    assert.equal(doc.querySelectorAll("g.legend-entry").length, 3 + 3 + 2);
    const tips = textsOf(doc, "g.configuration path title");
    assert.ok(tips.every((t) => !t.includes("NOT CONVERGED")));
    assert.doesNotMatch(textsOf(doc, "text.figure-caption").join(" "), /converge/);
  }
  // With the column, tooltips give the count; without it, nothing.
  const withColumn = parse(frontierPlot(grid().map((r) => ({ ...r, converged: true }))));
  assert.ok(
    textsOf(withColumn, "g.configuration path title").every((t) =>
      t.includes("converged: 2/2 runs")
    ),
  );
  assert.ok(
    textsOf(parse(frontierPlot(grid())), "g.configuration path title").every((t) =>
      !t.includes("converged")
    ),
  );
});

Deno.test("frontierPlot: a configuration with one of its seeds not converged", () => {
  const rows = grid().map((r) => ({
    ...r,
    converged: !(r.iommu_pageSize === 4096 && r.tracking_split === "lazy" &&
      r.tracking_clearBatch === "64" && r.seed === 2),
  }));
  const doc = parse(frontierPlot(rows));
  const crosses = [...doc.querySelectorAll("g.not-converged path")];
  assert.equal(crosses.length, 1);
  assert.match(crosses[0].textContent, /^split lazy, clear batch 64, IO page 4KiB/);
  assert.match(crosses[0].textContent, /NOT CONVERGED: 1 of 2 runs/);
  assert.deepEqual(textsOf(doc, "g.not-converged-label text"), ["1/2 runs not converged"]);
  assert.ok(doc.querySelector('svg[aria-label="legend Convergence"]'));
});

Deno.test("frontierPlot: configurations on the same spot are counted", () => {
  const doc = parse(frontierPlot(demoLike()));
  const counts = textsOf(doc, "g.overlap-count text");
  // 4KiB: all nine; 2MiB and 1GiB: three spots of three clear batches each.
  assert.deepEqual(counts.sort(), [...Array(6).fill("3 configs"), "9 configs"].sort());
  const tips = textsOf(doc, "g.configuration path title");
  assert.ok(tips.some((t) => t.includes("IO page 4KiB") && /same spot as 8 other/.test(t)));
  assert.match(textsOf(doc, "text.figure-caption").join(" "), /“n configs”/);
  // Distinct marks (the grid) get no count.
  assert.equal(parse(frontierPlot(grid())).querySelectorAll("g.overlap-count text").length, 0);
});

Deno.test("frontierPlot: x tick labels of adjacent facets keep apart and inside the figure", () => {
  const svg = frontierPlot(demoLike());
  const doc = parse(svg);
  const width = Number(doc.querySelector("svg.figure").getAttribute("width"));
  const translate = (el: Loose) =>
    Number(/translate\(([-\d.]+)/.exec(el.getAttribute("transform") ?? "")?.[1] ?? 0);
  const facets = [...doc.querySelectorAll('g[aria-label="x-axis tick label"] > g')];
  assert.equal(facets.length, 3);
  // [left, right] extent of each facet's tick labels (centred, ~0.6 em a character).
  const extents = facets.map((g: Loose) => {
    const spans = [...g.querySelectorAll("text")].map((t: Loose) => {
      const x = translate(g) + translate(t), half = t.textContent.length * 11 * 0.6 / 2;
      return [x - half, x + half];
    });
    assert.deepEqual(spans.length, 3, "1 GiB, 4 GiB, 16 GiB");
    return [spans[0][0], spans[spans.length - 1][1]];
  });
  for (let i = 1; i < extents.length; i++) {
    const gap = extents[i][0] - extents[i - 1][1];
    assert.ok(gap >= 12, `facets ${i - 1} and ${i}: tick labels ${gap.toFixed(1)} px apart`);
  }
  assert.ok(extents[0][0] >= 0 && extents[2][1] <= width, `inside the figure: ${extents}`);
});

const rounds = [
  {
    round: 0,
    startMs: 0,
    durationMs: 32000,
    bytesSent: 4 * GiB,
    dirtyBytes: GiB,
    stopAndCopy: false,
  },
  {
    round: 1,
    startMs: 32000,
    durationMs: 8000,
    bytesSent: GiB,
    dirtyBytes: GiB / 4,
    stopAndCopy: false,
  },
  {
    round: 2,
    startMs: 40000,
    durationMs: 2000,
    bytesSent: GiB / 4,
    dirtyBytes: 0,
    stopAndCopy: true,
  },
];

Deno.test("roundsPlot: a bar per round, stop-and-copy marked, model and threshold", () => {
  const doc = parse(
    roundsPlot(rounds, { model: [4 * GiB, GiB, GiB / 4], thresholdBytes: GiB / 2 }),
  );
  const bars = [...doc.querySelectorAll("g.bytes-sent rect")];
  assert.equal(bars.length, 3);
  assert.deepEqual(bars.map((b: { getAttribute(n: string): string }) => b.getAttribute("fill")), [
    "#97bbf5",
    "#4269d0",
    "#ff725c",
  ]);
  assert.match(doc.querySelector("g.stop-label text").textContent, /stop-and-copy/);
  assert.match(doc.querySelector("g.stop-label text").textContent, /2000 ms down/);
  assert.equal(doc.querySelectorAll("g.dirty-found circle").length, 2);
  assert.equal(doc.querySelectorAll("g.model-points circle").length, 3);
  assert.equal(doc.querySelectorAll("g.threshold line").length, 1);
  const legend = [...doc.querySelectorAll("g.legend-label text")].map((
    t: { textContent: string },
  ) => t.textContent);
  assert.deepEqual(legend, [
    "round 0 (all memory)",
    "pre-copy round",
    "stop-and-copy",
    "dirty found by the round's read",
    "model",
    "switch-over threshold R×T",
  ]);
  const ticks = [...doc.querySelectorAll('g[aria-label="y-axis tick label"] text')].map((
    t: { textContent: string },
  ) => t.textContent);
  assert.ok(ticks.includes("4 GiB"), `y ticks in GiB, got ${ticks}`);
});

Deno.test("roundsPlot: each bar's height is its round's bytes sent, each dot the dirty bytes found", () => {
  const doc = parse(roundsPlot(rounds));
  const yTicks: [number, number][] = [
    ...doc.querySelectorAll('g[aria-label="y-axis tick label"] text'),
  ].map((t: Loose) => [bytesOf(t.textContent), translateOf(t)[1]]);
  const y = axisScale(yTicks, (v) => v);
  const bars = [...doc.querySelectorAll("g.bytes-sent rect")];
  bars.forEach((b: Loose, i) => {
    const top = Number(b.getAttribute("y")), bottom = top + Number(b.getAttribute("height"));
    assert.ok(Math.abs(bottom - y(0)) < 0.01, `bar ${i} starts at 0`);
    assert.ok(Math.abs(top - y(rounds[i].bytesSent)) < 0.01, `bar ${i} reaches its bytes`);
  });
  const dots = [...doc.querySelectorAll("g.dirty-found circle")];
  const found = rounds.filter((r) => !r.stopAndCopy);
  assert.equal(dots.length, found.length);
  dots.forEach((d: Loose, i) => {
    assert.ok(Math.abs(Number(d.getAttribute("cy")) - y(found[i].dirtyBytes)) < 0.01);
  });
});

Deno.test("roundsPlot: several models, each its own line and legend entry", () => {
  const doc = parse(roundsPlot(rounds, {
    models: [{ label: "linear", bytes: [4 * GiB, GiB, GiB / 4, GiB / 16] }, {
      label: "saturation",
      bytes: [4 * GiB, GiB / 2],
    }],
  }));
  // The 4th linear value is past the last round: dropped.
  assert.deepEqual(
    [...doc.querySelectorAll("g.model-points")].map((g: Loose) =>
      g.querySelectorAll("circle").length
    ),
    [3, 2],
  );
  const legend = [...doc.querySelectorAll("g.legend-label text")].map((t: Loose) => t.textContent);
  assert.deepEqual(legend.slice(-2), ["linear", "saturation"]);
});

Deno.test("roundsPlot: a narrow figure wraps its legend instead of widening", () => {
  const doc = parse(roundsPlot(rounds, { width: 400, model: [4 * GiB], thresholdBytes: GiB }));
  assert.equal(doc.querySelector("svg.figure").getAttribute("width"), "400");
  const legend = doc.querySelector('svg[aria-label="legend Legend"]');
  assert.ok(Number(legend.getAttribute("width")) <= 400);
  assert.ok(Number(legend.getAttribute("height")) >= 42, "two rows or more");
});

Deno.test("roundsPlot: accepts a SimResult-like object and a log scale", () => {
  const doc = parse(roundsPlot({ config: {}, summary: {}, rounds } as never, { log: true }));
  assert.equal(doc.querySelectorAll("g.bytes-sent rect").length, 3);
  // On a log axis each tick is labelled in its own unit.
  const ticks = [...doc.querySelectorAll('g[aria-label="y-axis tick label"] text')].map((
    t: Loose,
  ) => t.textContent);
  assert.ok(ticks.includes("256 MiB") && ticks.includes("1 GiB"), `got ${ticks}`);
  assert.ok(ticks.every((t: string) => t !== ""), `no blank tick label: ${ticks}`);
  assert.throws(() => roundsPlot([{ round: 0 }]), /bytesSent must be a finite number/);
});
