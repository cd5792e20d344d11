// `deno task sim [--config run.json] [--json] [key=value ...]`: one simulated
// run. Prints a readable summary, or with --json exactly the simulate()
// object. A bad config or a missing trace file: a message on stderr, exit 2.

import { Command } from "commander";
import { applyOverrides, ConfigError } from "../lib/config/mod.ts";
import { formatResult, simulate } from "../lib/migration/mod.ts";
import { exitOnError, parseOrExit, readConfigFile, UsageError } from "./cli_common.ts";

const program = new Command("sim")
  .description("simulate one live migration with IOMMU dirty tracking")
  .argument(
    "[overrides...]",
    "key=value config overrides, e.g. tracking.split=lazy iommu.pageSize=2MiB",
  )
  .option("-c, --config <file>", "JSON config file (overrides apply on top)")
  .option("--json", "print the simulate() result as JSON")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);

const opts = program.opts<{ config?: string; json?: boolean }>();
try {
  const base = opts.config ? await readConfigFile(opts.config) : {};
  const input = applyOverrides(base, program.args);
  const result = await simulate(input);
  console.log(opts.json ? JSON.stringify(result, null, 2) : formatResult(result));
} catch (e) {
  exitOnError(
    "sim",
    e,
    (e) =>
      e instanceof ConfigError || e instanceof UsageError || (e as Error)?.name === "WorkloadError"
        ? 2
        : undefined,
  );
}
