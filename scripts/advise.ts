// `deno task advise`: which page size, split policy and clear batching to use
// for this device, this guest, this link and this downtime budget. Parses the
// command line and calls lib/advise. Exit codes: 0 a recommendation, 1
// nothing meets the limits, 2 bad input (one line, no stack trace), 3 the
// store or the engine cannot be used.

import { Command } from "commander";
import { adviceJson, advise, AdviseError, formatAdvice } from "../lib/advise/mod.ts";
import { EngineError, StoreError, SweepSpecError } from "../lib/sweep/mod.ts";
import { exitOnError, joinLines, parseOrExit, readConfigFile, UsageError } from "./cli_common.ts";

const t0 = performance.now();
const program = new Command("advise")
  .description(
    "recommend IO page size, split policy and clear batching for a device's DMA and a " +
      "migration's limits",
  )
  .argument(
    "[overrides...]",
    "run-config overrides: a parametric workload (workload.kind=zipf workload.workingSet=256MiB " +
      "workload.rate=1M/s) or any sim key (iommu.iotlb.entries=512); a swept key " +
      "(iommu.pageSize, tracking.split, tracking.clearBatch) restricts the grid",
  )
  .option("-t, --trace <file>", "DMA trace, CSV or Parquet (README: trace format)")
  .option("--dirty-rate <MB/s>", "measured dirty rate, as QEMU's calc-dirty-rate prints it")
  .option("--dirty-rate-memory <size>", "memory the dirty rate was measured over (default: guest)")
  .option("--dirty-rate-time <duration>", "calc-time of the measurement (default 1s)")
  .option("--dirty-rate-shape <shape>", "uniform, zipf or zipf(S) (default uniform)")
  .option("-c, --config <file>", "JSON run config the overrides apply on top of")
  .option("-m, --memory <size>", "guest memory (default 1GiB)")
  .option("-b, --bandwidth <rate>", "migration bandwidth (default QEMU's 128MiB/s)")
  .option("-d, --downtime <duration>", "downtime limit (default QEMU's 300ms)")
  .option("--max-slowdown <fraction>", "guest tolerance: DMA throughput lost, e.g. 5% (default)")
  .option("--max-miss-rate <fraction>", "guest tolerance: IOTLB miss rate while tracking, e.g. 10%")
  .option("--page-size <sizes>", "IO page sizes to consider, e.g. 2MiB or 2MiB,1GiB")
  .option("--max-rounds <n>", "pre-copy rounds before giving up (default 30)")
  .option("--runs <n>", "runs per configuration: seeds, or a trace's start phases (default 3)")
  .option("-q, --quick", "one run per configuration")
  .option("--figure <file.svg>", "where the figure goes (default data/plots/advise.svg)")
  .option("--no-figure", "write no figure")
  .option("--json", "print the answer as JSON")
  .option("--store <file>", "results store (default data/results.duckdb)")
  .option("--workers <n>", "worker threads (default one per core)")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);

interface Opts {
  trace?: string;
  dirtyRate?: string;
  dirtyRateMemory?: string;
  dirtyRateTime?: string;
  dirtyRateShape?: string;
  config?: string;
  memory?: string;
  bandwidth?: string;
  downtime?: string;
  maxSlowdown?: string;
  maxMissRate?: string;
  pageSize?: string;
  maxRounds?: string;
  runs?: string;
  quick?: boolean;
  figure?: string | false;
  json?: boolean;
  store?: string;
  workers?: string;
}

function loadAverage(): { avg1: number; cores: number } | undefined {
  try {
    const avg1 = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
    return { avg1, cores: navigator.hardwareConcurrency ?? 1 };
  } catch {
    return undefined;
  }
}

const o = program.opts<Opts>();
// `deno task` runs in the project directory; paths the user typed are
// relative to where they typed them.
const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
const here = (p: string | undefined) =>
  p === undefined || p.startsWith("/") ? p : `${cwd.replace(/\/$/, "")}/${p}`;
try {
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
    throw new UsageError(`--workers: ${JSON.stringify(o.workers)} is not a whole number >= 1`);
  }
  const advice = await advise({
    trace: o.trace,
    dirtyRate: o.dirtyRate,
    dirtyRateMemory: o.dirtyRateMemory,
    dirtyRateTime: o.dirtyRateTime,
    dirtyRateShape: o.dirtyRateShape,
    config: o.config ? await readConfigFile(here(o.config)!) : undefined,
    overrides: program.args,
    memory: o.memory,
    bandwidth: o.bandwidth,
    downtime: o.downtime,
    maxSlowdown: o.maxSlowdown,
    maxMissRate: o.maxMissRate,
    pageSizes: o.pageSize ? [o.pageSize] : undefined,
    maxRounds: o.maxRounds,
    runs: o.runs,
    quick: o.quick,
    baseDir: cwd,
  }, {
    store: here(o.store),
    workers,
    progress: o.json ? "none" : Deno.stderr.isTerminal() ? "bar" : "none",
    figurePath: o.figure === false ? null : here(o.figure),
  });
  const info = { elapsedMs: performance.now() - t0, load: loadAverage() };
  console.log(
    o.json ? JSON.stringify(adviceJson(advice, info), null, 2) : formatAdvice(advice, info),
  );
  Deno.exit(advice.ranking.recommendation ? 0 : 1);
} catch (e) {
  exitOnError(
    "advise",
    e,
    (e) =>
      e instanceof AdviseError || e instanceof UsageError || e instanceof SweepSpecError
        ? 2
        : e instanceof StoreError || e instanceof EngineError
        ? 3
        : undefined,
    joinLines,
  );
}
