// The `calibrate` command as a user runs it: a fit of a series the model made
// gives back its parameters; bad usage is exit 2 and data it cannot use exit
// 3, each a one-line message without a stack trace.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  defaultTiming,
  engineReadCounters,
  formatCalibrationCsv,
  modelRatio,
} from "../lib/cost/calibration.ts";
import { dmaThroughputNoIommu } from "../lib/cost/dma.ts";
import { cli, tempDir } from "../lib/testing/helpers.ts";

const calibrate = (...args: string[]) => cli("calibrate_dma", args, { DMA_CALIBRATION_CSV: "" });

Deno.test("calibrate --data: fits a series the model made back to its parameters", async () => {
  const dir = await tempDir("calibrate-test-");
  try {
    const t = { ...defaultTiming(), baseLatencyNs: 400, pageWalkers: 3 };
    const rows = [4, 16, 256, 1024, 4096, 16384].map((k) => {
      const counters = engineReadCounters(k * 1024); // as the command counts them
      const off = dmaThroughputNoIommu(t, counters).throughputBytesPerS;
      return {
        windowBytes: k * 1024,
        noIommuBytesPerS: off,
        iommuBytesPerS: off * modelRatio(t, counters),
      };
    });
    const data = join(dir, "series.csv");
    await Deno.writeTextFile(data, formatCalibrationCsv(rows));
    const r = await calibrate("--data", data);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /fitted: baseLatencyNs = 400\.0, pageWalkers = 3\.000/);
    assert.match(r.stdout, /\| 16 MiB \|/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("calibrate: bad usage is exit 2, data it cannot use exit 3, in one line", async () => {
  const cases: [string[], number, RegExp][] = [
    [["--bogus"], 2, /unknown option '--bogus'/],
    [["--extract", "/tmp"], 2, /^calibrate: --extract needs --out or \$DMA_CALIBRATION_CSV\n$/],
    [
      ["--data", "/nonexistent/series.csv"],
      3,
      /^calibrate: \/nonexistent\/series\.csv: No such file/,
    ],
    [["--data", "deno.json"], 3, /^calibrate: deno\.json: calibration csv: unexpected header/],
  ];
  for (const [args, code, message] of cases) {
    const r = await calibrate(...args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});
