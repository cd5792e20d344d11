// `deno task site [--serve] [--port N] [--screenshot PNG] [--out DIR] [--store PATH] [--notebooks DIR]`:
// builds the static site into _site/ (index with the headline frontier, a
// page per executed notebook, the explorer, every figure's data as Parquet).
// --serve then serves it on 127.0.0.1 only and prints the URL; --screenshot
// saves the explorer as a PNG (headless Chromium).
// Exit codes: 0, 2 nothing to build from or bad usage, 3 store unusable.

import { Command } from "commander";
import { parseOrExit } from "./cli_common.ts";
import { buildSite, serveSite, SITE_DIR, SiteError } from "../lib/site/mod.ts";
import { DEFAULT_STORE, StoreError } from "../lib/sweep/mod.ts";

const program = new Command("site")
  .description("build the static site (and optionally serve it on 127.0.0.1)")
  .option("--out <dir>", "output directory", SITE_DIR)
  .option("--store <path>", "DuckDB store file", DEFAULT_STORE)
  .option("--notebooks <dir>", "executed notebooks", "data/notebooks")
  .option("--headline <sweep>", 'the headline sweep (default: the latest named "headline")')
  .option("--serve", "serve the site on 127.0.0.1 after building it")
  .option("--screenshot <png>", "save a screenshot of the explorer (headless Chromium)")
  .option("--port <n>", "port for --serve (0: any free port)", "8321")
  .showHelpAfterError()
  .exitOverride();

parseOrExit(program);
const opts = program.opts<{
  out: string;
  store: string;
  notebooks: string;
  headline?: string;
  serve?: boolean;
  screenshot?: string;
  port: string;
}>();
const port = Number(opts.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`site: --port ${opts.port} is not a port number (0-65535)`);
  Deno.exit(2);
}

const t0 = performance.now();
try {
  const r = await buildSite({
    outDir: opts.out,
    store: opts.store,
    notebooksDir: opts.notebooks,
    headline: opts.headline,
    log: (line) => console.log(`  ${line}`),
  });
  console.log(
    `site: ${r.pages.length} pages (${r.notebooks} notebook${r.notebooks === 1 ? "" : "s"}), ` +
      `${r.figures} figures, ${r.datasets.length} sweeps as Parquet → ${r.outDir}/ ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
} catch (e) {
  if (e instanceof SiteError) {
    console.error(`site: ${e.message}`);
    Deno.exit(2);
  }
  if (e instanceof StoreError) {
    console.error(`site: ${e.message}`);
    Deno.exit(3);
  }
  console.error(`site: ${(e as Error).message}`);
  Deno.exit(1);
}
if (opts.screenshot) {
  const { screenshotExplorer } = await import("../lib/site/browser.ts");
  const ms = await screenshotExplorer(opts.out, opts.screenshot);
  console.log(`screenshot: ${opts.screenshot} (first chart ${ms} ms after navigation)`);
}
if (opts.serve) {
  try {
    const server = serveSite(opts.out, { port });
    console.log(`serving ${opts.out}/ on ${server.url} (127.0.0.1 only; Ctrl-C stops)`);
  } catch (e) {
    console.error(`site: cannot serve on 127.0.0.1:${port}: ${(e as Error).message}`);
    Deno.exit(2);
  }
}
