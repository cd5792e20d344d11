// `deno task calibrate`: fits the DMA timing model's two free parameters on
// the pcie-bench series (lib/cost/calibration.ts) and prints them with the
// residual of every window. `--extract DIR` first writes the extract from a
// pcie-bench/data clone or bare git directory (read with `git show`) to
// `--out` (default: $DMA_CALIBRATION_CSV).

import { parseArgs } from "node:util";
import {
  assumedTiming,
  CALIBRATION_ENV,
  CALIBRATION_SOURCE,
  calibrationCandidates,
  defaultTiming,
  engineReadCounters,
  findCalibrationData,
  fitDmaTiming,
  formatCalibrationCsv,
  joinSeries,
  parseCalibrationCsv,
  residuals,
} from "../lib/cost/calibration.ts";
import { formatSizeIn, sizeUnit } from "../lib/units/mod.ts";

function gitShow(dir: string, path: string): string {
  const r = new Deno.Command("git", {
    args: ["-C", dir, "show", `${CALIBRATION_SOURCE.commit}:${path}`],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!r.success) throw new Error(`git show ${path}: ${new TextDecoder().decode(r.stderr)}`);
  return new TextDecoder().decode(r.stdout);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    extract: { type: "string" },
    out: { type: "string" },
    data: { type: "string" },
  },
});

if (values.extract) {
  const out = values.out ?? Deno.env.get(CALIBRATION_ENV);
  if (!out) throw new Error(`--extract needs --out or $${CALIBRATION_ENV}`);
  const rows = joinSeries(
    gitShow(values.extract, CALIBRATION_SOURCE.iommu),
    gitShow(values.extract, CALIBRATION_SOURCE.noIommu),
  );
  Deno.writeTextFileSync(out, formatCalibrationCsv(rows));
  console.log(`wrote ${rows.length} rows to ${out}`);
}

const path = values.data ?? findCalibrationData();
if (!path) {
  console.error(`no calibration data; looked in:\n  ${calibrationCandidates().join("\n  ")}`);
  Deno.exit(1);
}
const rows = parseCalibrationCsv(Deno.readTextFileSync(path));
const counters = rows.map((r) => engineReadCounters(r.windowBytes));
const fixed = assumedTiming();
const fit = fitDmaTiming(rows, counters, fixed);

// "4 KiB", "1.5 MiB": as the README's residual tables print the windows.
const windowText = (b: number) => formatSizeIn(b, sizeUnit(b));
const table = (title: string, rs: ReturnType<typeof residuals>) => {
  console.log(`\n${title}`);
  console.log(
    "| window | miss rate | walk accesses/req | measured on/off | model on/off | error | limit |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of rs) {
    console.log(
      `| ${windowText(r.windowBytes)} | ${r.missRate.toFixed(4)} | ${
        r.walkAccessesPerRequest.toFixed(3)
      } | ` +
        `${r.measuredRatio.toFixed(3)} | ${r.modelRatio.toFixed(3)} | ` +
        `${(100 * r.relativeError).toFixed(1)} % | ${r.limit} |`,
    );
  }
};

console.log(`data: ${path}`);
console.log(`fixed (assumed): ${JSON.stringify(fixed)}`);
console.log(
  `fitted: baseLatencyNs = ${fit.baseLatencyNs.toFixed(1)}, pageWalkers = ${
    fit.pageWalkers.toFixed(3)
  }`,
);
table("residuals at the fitted values", fit.residuals);
table("residuals at the config defaults", residuals(rows, counters, defaultTiming()));
