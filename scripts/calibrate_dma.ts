// `deno task calibrate`: fits the DMA timing model's two free parameters on
// the pcie-bench series (lib/cost/calibration.ts) and prints them with the
// residual of every window. `--extract DIR` first writes the extract from a
// pcie-bench/data clone or bare git directory (read with `git show`) to
// `--out` (default: $DMA_CALIBRATION_CSV). Exit codes: 0 fitted, 2 bad usage,
// 3 no data or data it cannot read.

import { Command } from "commander";
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
import { exitOnError, parseOrExit, UsageError } from "./cli_common.ts";

/** Input the command cannot use (a missing or malformed file, git failing): exit 3. */
class InputError extends Error {}

function gitShow(dir: string, path: string): string {
  const r = new Deno.Command("git", {
    args: ["-C", dir, "show", `${CALIBRATION_SOURCE.commit}:${path}`],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!r.success) {
    throw new InputError(
      `git show ${path} in ${dir}: ${new TextDecoder().decode(r.stderr).trim()}`,
    );
  }
  return new TextDecoder().decode(r.stdout);
}

const program = new Command("calibrate")
  .description(
    "fit the DMA timing model's base latency and page walkers on the pcie-bench series " +
      "and print the residual of every window",
  )
  .option("--data <file>", `the extract to fit (default: $${CALIBRATION_ENV} or the known places)`)
  .option("--extract <dir>", "first write the extract from a pcie-bench/data clone or git dir")
  .option("--out <file>", `where --extract writes (default: $${CALIBRATION_ENV})`)
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const values = program.opts<{ data?: string; extract?: string; out?: string }>();
let rows: ReturnType<typeof parseCalibrationCsv>;
let path: string | null;
try {
  if (values.extract) {
    const out = values.out ?? Deno.env.get(CALIBRATION_ENV);
    if (!out) throw new UsageError(`--extract needs --out or $${CALIBRATION_ENV}`);
    const joined = joinSeries(
      gitShow(values.extract, CALIBRATION_SOURCE.iommu),
      gitShow(values.extract, CALIBRATION_SOURCE.noIommu),
    );
    Deno.writeTextFileSync(out, formatCalibrationCsv(joined));
    console.log(`wrote ${joined.length} rows to ${out}`);
  }
  path = values.data ?? findCalibrationData();
  if (!path) {
    throw new InputError(
      `no calibration data; looked in: ${calibrationCandidates().join(", ")} ` +
        `(give --data, or write the extract with --extract DIR --out FILE)`,
    );
  }
  try {
    rows = parseCalibrationCsv(Deno.readTextFileSync(path));
  } catch (e) {
    throw new InputError(`${path}: ${(e as Error).message}`);
  }
} catch (e) {
  exitOnError(
    "calibrate",
    e,
    (e) => e instanceof UsageError ? 2 : e instanceof InputError ? 3 : undefined,
  );
}
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
