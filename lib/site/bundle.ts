// The explorer's browser code, bundled with esbuild into one ES module, and
// duckdb-wasm's worker and wasm files copied beside it from node_modules, so
// the page loads every asset from the site itself (no CDN: it works offline).
// The wasm files (34-39 MB each) are copied at build time, never committed.

import * as esbuild from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exists } from "../store/mod.ts";
import { quietArrowBin } from "./npm_quiet.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const EXPLORER_ENTRY = join(REPO, "lib/explorer/main.ts");

/** The duckdb-wasm files the explorer loads: the exception-handling build, and the MVP fallback. */
export const DUCKDB_ASSETS = [
  "duckdb-eh.wasm",
  "duckdb-browser-eh.worker.js",
  "duckdb-mvp.wasm",
  "duckdb-browser-mvp.worker.js",
];

/** The packages the browser bundle needs in node_modules. */
const BROWSER_PACKAGES = [
  "@duckdb/duckdb-wasm",
  "hyparquet",
  "apache-arrow",
  "@observablehq/plot",
  "arquero",
];

/**
 * Makes sure node_modules holds the browser packages (a fresh clone has only
 * what the scripts run so far needed): `deno install` sets up every import of
 * deno.json, at the versions deno.lock pins.
 */
async function ensurePackages(): Promise<void> {
  const missing = [];
  for (const p of BROWSER_PACKAGES) {
    if (!(await exists(join(REPO, "node_modules", p, "package.json")))) missing.push(p);
  }
  if (missing.length === 0) return;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["install"],
    cwd: REPO,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(
      `deno install failed while fetching ${missing.join(", ")}: ${
        new TextDecoder().decode(r.stderr).trim().split("\n").at(-1)
      }`,
    );
  }
}

export interface BundleResult {
  /** Bytes of explorer.js. */
  scriptBytes: number;
  /** Files copied into duckdb/. */
  assets: string[];
}

/** Writes `<outDir>/explorer.js` and `<outDir>/duckdb/*`. */
export async function bundleExplorer(outDir: string): Promise<BundleResult> {
  await ensurePackages();
  quietArrowBin();
  const outfile = join(outDir, "explorer.js");
  try {
    await esbuild.build({
      entryPoints: [EXPLORER_ENTRY],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      legalComments: "none",
      outfile,
      absWorkingDir: REPO,
      nodePaths: [join(REPO, "node_modules")],
      logLevel: "silent",
    });
  } catch (e) {
    const errors = (e as esbuild.BuildFailure).errors ?? [];
    const first = errors[0];
    throw new Error(
      `bundling the explorer failed: ${
        first ? `${first.location?.file ?? ""}:${first.location?.line ?? ""} ${first.text}` : e
      }`,
    );
  } finally {
    await esbuild.stop();
  }
  const dist = join(REPO, "node_modules/@duckdb/duckdb-wasm/dist");
  const target = join(outDir, "duckdb");
  await Deno.mkdir(target, { recursive: true });
  for (const f of DUCKDB_ASSETS) await Deno.copyFile(join(dist, f), join(target, f));
  await Deno.mkdir(dirname(outfile), { recursive: true });
  return { scriptBytes: (await Deno.stat(outfile)).size, assets: DUCKDB_ASSETS };
}
