import assert from "node:assert/strict";
import * as aq from "arquero";
import {
  JUPYTER_DISPLAY,
  jupyterApi,
  markdown,
  progress,
  progressText,
  show,
  table,
} from "./display.ts";
import { frontierPlot } from "./plots.ts";

Deno.test("show: an SVG string becomes an image/svg+xml bundle", () => {
  const svg = frontierPlot([{
    iommu_pageSize: 4096,
    tracking_split: "none",
    tracking_clearBatch: "1",
    bytesTransferred: 2 ** 32,
    iotlbMissRate: 0.1,
  }]);
  const bundle = show(svg)[JUPYTER_DISPLAY]();
  assert.equal(bundle["image/svg+xml"], svg);
  assert.equal(bundle["text/html"], undefined);
  assert.equal(
    show({ outerHTML: "<figure><svg></svg></figure>" }).bundle["text/html"],
    "<figure><svg></svg></figure>",
  );
  assert.throws(() => show(""), /expected an SVG string/);
});

Deno.test("table: rows or an Arquero table as escaped HTML with a text fallback", () => {
  const rows = [
    { split: "<lazy>", rate: 0.123456, bytes: 4294967296 },
    { split: "none", rate: 0.5, bytes: 1n },
  ];
  const b = table(rows).bundle;
  assert.match(b["text/html"], /<th>split<\/th><th>rate<\/th><th>bytes<\/th>/);
  assert.match(b["text/html"], /&lt;lazy&gt;/);
  assert.match(b["text/html"], />0\.1235</);
  assert.equal(b["text/plain"].split("\n").length, 3);
  assert.equal(
    table(aq.from(rows.slice(0, 1))).bundle["text/html"],
    table(rows.slice(0, 1)).bundle["text/html"],
  );
  const limited = table(rows, { limit: 1, columns: ["rate"] }).bundle;
  assert.match(limited["text/html"], /1 more rows/);
  assert.doesNotMatch(limited["text/html"], /split/);
});

Deno.test("progress: text lines outside a kernel, throttled, last state always shown", async () => {
  assert.equal(jupyterApi(), null, "deno test is not a Jupyter kernel");
  const lines: string[] = [];
  const p = progress("sweep", { write: (l) => lines.push(l), intervalMs: 60_000 });
  p({ done: 0, total: 4 });
  p({ done: 1, total: 4 }); // coalesced: within the interval
  p({ done: 2, total: 4, reused: 1, runsPerSec: 3.5, etaSec: 2 });
  await p.finish("half");
  p({ done: 4, total: 4, failed: 1 }); // completion is always shown
  await p.finish();
  assert.deepEqual(lines, [
    "sweep: 0/4",
    "sweep: 2/4 (1 stored), 3.50 runs/s, ETA 2s — half",
    "sweep: 4/4 (1 failed), done",
  ]);
  assert.equal(progressText("x", { done: 1, total: 2, etaSec: 125 }), "x: 1/2, ETA 2m05s");
  // The same ETA text as the sweep's own progress lines, hours included.
  assert.equal(progressText("x", { done: 1, total: 2, etaSec: 7500 }), "x: 1/2, ETA 2h05m");
  assert.throws(() => progress("x", { kernel: true }), /not running in a Jupyter kernel/);
});

Deno.test("markdown: a text/markdown bundle with the text as text/plain", () => {
  const b = markdown("**42** pages").bundle;
  assert.equal(b["text/markdown"], "**42** pages");
  assert.equal(b["text/plain"], "**42** pages");
});
