// `deno task demo`: the main job. Runs the headline sweep into
// data/results.duckdb (points already stored are reused), writes the headline
// figure to data/plots/frontier.svg and prints the frontier. A store that
// cannot be used (not DuckDB, locked by another writer, disk full) is a
// one-line message and exit code 3; a failed point, exit code 1.
import { runDemo } from "../lib/demo/mod.ts";
import { EngineError, StoreError } from "../lib/sweep/mod.ts";
import { exitOnError } from "./cli_common.ts";
import { quietArrowBin } from "../lib/site/npm_quiet.ts";

quietArrowBin(); // before the workers start: see npm_quiet.ts

const t0 = performance.now();
try {
  const r = await runDemo();
  const s = r.sweep;
  console.log(`\n${r.frontierText}\n`);
  console.log(
    `${s.points} points: ${s.ran} run, ${s.reused} reused from the store, ${s.failed} failed ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `results: ${s.store} (sweep ${s.sweepId}; try: npx -y deno@2.9.6 task query "select * from runs limit 5")`,
  );
  console.log(`figure:  ${r.svgPath}`);
  if (s.failed > 0) Deno.exit(1);
} catch (e) {
  exitOnError(
    "demo",
    e,
    (e) => e instanceof StoreError || e instanceof EngineError ? 3 : undefined,
  );
}
