import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { ticks } from "d3-array";
import { parseHTML } from "linkedom";
import { barPlot, contrastText, formatValue, heatmapPlot, linePlot } from "./analysis_plots.ts";
import { newDocument, textWidth } from "./svg.ts";

// Deno's types have no DOM; linkedom's document is queried loosely here.
// deno-lint-ignore no-explicit-any
type Loose = any;
function parse(svg: string): Loose {
  return (parseHTML(`<!doctype html><html><body>${svg}</body></html>`) as Loose).document;
}
const texts = (doc: Loose, sel: string): string[] =>
  [...doc.querySelectorAll(sel)].map((t: Loose) => t.textContent);

Deno.test("formatValue: units in the text", () => {
  assert.equal(formatValue(2 ** 31, "bytes"), "2 GiB");
  assert.equal(formatValue(0.1234, "percent"), "12.3%");
  assert.equal(formatValue(0.25, "ms"), "250 µs");
  assert.equal(formatValue(2500, "ms"), "2.5 s");
  assert.equal(formatValue(1_234_567, "count"), "1.23 M");
  assert.equal(formatValue(12, "count"), "12");
  assert.equal(formatValue(3.049, "ratio"), "3.05×");
  assert.equal(formatValue("lazy"), "lazy");
  assert.equal(formatValue(2, (v) => `${v} points`), "2 points");
});

Deno.test("contrastText: white on dark fills, black on light ones", () => {
  assert.equal(contrastText("#08306b"), "white");
  assert.equal(contrastText("#f7fbff"), "#111");
  assert.equal(contrastText("rgb(20, 20, 20)"), "white");
  assert.equal(contrastText("steelblue-ish"), "#111");
});

const grid = () =>
  [2 ** 21, 2 ** 30].flatMap((ps) =>
    [1 / 32, 1 / 2].flatMap((f) =>
      [1e4, 1e5, 1e6].map((w) => ({
        ps,
        f,
        w,
        winner: f < 0.1 ? "eager + none = lazy" : "eager + lazy",
        gap: f * w / 1e6,
      }))
    )
  );

Deno.test("heatmapPlot: one cell per row, facets, a legend, the caption's provenance", () => {
  const svg = heatmapPlot(grid(), {
    title: "Who wins",
    x: { field: "w", label: "Write rate" },
    y: { field: "f", label: "Working set", format: (v) => `1/${1 / Number(v)}` },
    facet: {
      field: "ps",
      label: "IO page size",
      format: (v) => (v === 2 ** 21 ? "2 MiB" : "1 GiB"),
    },
    fill: { field: "winner", label: "On the frontier" },
    source: "sweep X (12 runs)",
  });
  const doc = parse(svg);
  assert.ok(doc.querySelector("svg.figure"));
  assert.equal(doc.querySelectorAll("g.heat-cell rect").length, 12);
  assert.equal(doc.querySelectorAll("g.heat-label text").length, 12);
  assert.deepEqual(texts(doc, 'svg[aria-label="legend On the frontier"] g.legend-label text'), [
    "eager + none = lazy",
    "eager + lazy",
  ]);
  assert.deepEqual(
    texts(doc, 'g[aria-label="fx-axis tick label"] text'),
    ["IO page size: 2 MiB", "IO page size: 1 GiB"],
  );
  assert.match(texts(doc, "text.figure-caption").join(" "), /Data: sweep X \(12 runs\)\./);
  // A value fill gets a swatch legend of five steps.
  const v = parse(heatmapPlot(grid(), {
    title: "Gap",
    x: { field: "w", label: "Write rate" },
    y: { field: "f", label: "Working set" },
    value: { field: "gap", label: "gap", format: "ratio" },
  }));
  assert.equal(v.querySelectorAll('svg[aria-label="legend gap"] g.legend-entry').length, 5);
  assert.throws(
    () =>
      heatmapPlot(grid(), {
        title: "t",
        x: { field: "w", label: "" },
        y: { field: "f", label: "" },
      }),
    /exactly one of fill and value/,
  );
});

Deno.test("linePlot: a line per series and facet, labels, rules in the legend", () => {
  const rows = ["eager", "lazy"].flatMap((s) =>
    ["2 MiB", "1 GiB"].flatMap((ps) =>
      [0, 1, 2].map((round) => ({ s, ps, round, miss: s === "eager" ? 0.4 : 0.1 * round }))
    )
  );
  const doc = parse(linePlot(rows, {
    title: "Per round",
    x: { field: "round", label: "Round", categories: [0, 1, 2] },
    y: { field: "miss", label: "Miss rate", format: "percent" },
    series: { field: "s", label: "Split policy" },
    facet: { field: "ps", label: "IO page size" },
    rules: [{ y: 0.05, label: "before tracking" }],
    pointLabel: (r) => `r${r.round}`,
  }));
  // Plot draws a mark once per facet: 2 series × 2 facets lines.
  assert.equal(doc.querySelectorAll("g.series-line path").length, 4);
  assert.equal(doc.querySelectorAll("g.series-point path").length, 12);
  assert.equal(doc.querySelectorAll("g.point-label text").length, 12);
  assert.deepEqual(texts(doc, 'svg[aria-label="legend Split policy"] g.legend-label text'), [
    "eager",
    "lazy",
  ]);
  assert.deepEqual(texts(doc, 'svg[aria-label="legend Lines"] g.legend-label text'), [
    "before tracking",
  ]);
  // The y ticks are percentages.
  const yTicks = texts(doc, 'g[aria-label="y-axis tick label"] text');
  assert.ok(yTicks.length >= 2, `y ticks: ${yTicks}`);
  assert.ok(yTicks.every((t) => t.endsWith("%")), `y ticks: ${yTicks}`);
});

Deno.test("barPlot: grouped bars with value labels; a log scale starts at base", () => {
  const rows = ["zipf", "ring"].flatMap((w) =>
    ["2 MiB", "1 GiB"].map((ps, i) => ({ w, ps, ratio: (i + 1) * 10, converged: i === 0 }))
  );
  const doc = parse(barPlot(rows, {
    title: "Inflation",
    x: { field: "w", label: "Workload" },
    y: { field: "ratio", label: "Ratio", format: "ratio", log: true },
    group: { field: "ps", label: "IO page size" },
    rules: [{ y: 1, label: "1×" }],
    base: 1,
    labelText: (r, v) => (r.converged ? v : `≥ ${v}`),
  }));
  const bars = [...doc.querySelectorAll("g.bar rect")];
  assert.equal(bars.length, 4);
  // On the log scale every bar starts at base 1: its bottom is the 1× rule's height.
  const ruleY = Number(doc.querySelector("g.rule line")!.getAttribute("y1"));
  for (const b of bars) {
    const bottom = Number(b.getAttribute("y")) + Number(b.getAttribute("height"));
    assert.ok(Math.abs(bottom - ruleY) < 1e-6, `bar bottom ${bottom} vs the 1× rule at ${ruleY}`);
  }
  assert.deepEqual(texts(doc, "g.bar-label text").sort(), ["10×", "10×", "≥ 20×", "≥ 20×"]);
  assert.deepEqual(texts(doc, 'svg[aria-label="legend IO page size"] g.legend-label text'), [
    "2 MiB",
    "1 GiB",
  ]);
});

Deno.test("linePlot: the left margin fits the widest y tick label Plot draws", () => {
  // Plot draws 0.5-steps here ("-500 µs", "1.5 ms"; "0.5 points"): a margin
  // sized for coarser ticks ("1 ms"; "1 points") cuts the labels off.
  const pointsFormat = (v: number) => `${+(v * 100).toPrecision(3)} points`;
  for (
    const [y, format] of [
      [[-0.89, 1.78], "ms"],
      [[0, 0.0251], pointsFormat],
    ] as const
  ) {
    const doc = parse(linePlot([0, 1, 2, 3].map((x) => ({ x, y: y[0] + (y[1] - y[0]) * x / 3 })), {
      title: "t",
      x: { field: "x", label: "x" },
      y: { field: "y", label: "y", format },
    }));
    const labels = [...doc.querySelectorAll('g[aria-label="y-axis tick label"] text')];
    const at = Number(/translate\(([\d.]+)/.exec(labels[0].getAttribute("transform"))![1]);
    // Labels end 9 px left of the axis (Plot's tick size 6 and padding 3).
    const widest = Math.max(...labels.map((t: Loose) => textWidth(t.textContent)));
    assert.ok(
      at - 9 - widest >= 0,
      `margin ${at} for ${labels.map((t: Loose) => t.textContent)} (${widest} px wide)`,
    );
  }
});

Deno.test("d3-array's ticks are the ticks Plot draws for `ticks: 5` on a linear axis", () => {
  const document = newDocument();
  for (const [lo, hi] of [[0, 7.738], [0, 1308], [-0.89, 1.78], [0, 0.0266], [12, 87], [0, 1e-5]]) {
    const svg = Plot.plot({
      document,
      y: { domain: [lo, hi] },
      marks: [Plot.axisY({ ticks: 5, tickFormat: String })],
    }) as unknown as { outerHTML: string };
    const drawn = texts(parse(svg.outerHTML), 'g[aria-label="y-axis tick label"] text');
    assert.deepEqual(ticks(lo, hi, 5).map(String), drawn, `[${lo}, ${hi}]`);
  }
});
