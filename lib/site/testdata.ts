// A headline-shaped sweep small enough for the site's tests (2 page sizes × 3
// split policies × 2 seeds, ~1 s), and a site built from it in a temp folder.

import { join } from "node:path";
import { sweep, type SweepResult } from "../sweep/mod.ts";
import { buildSite, type SiteResult } from "./build.ts";

export const TINY_HEADLINE = {
  name: "headline",
  base: {
    guest: { memory: "64MiB" },
    workload: { kind: "zipf", workingSet: "8MiB", rate: "200k/s" },
    migration: { bandwidth: "1GiB/s", maxRounds: 5 },
  },
  axes: { "iommu.pageSize": ["4KiB", "2MiB"], "tracking.split": ["none", "eager", "lazy"] },
  repeat: 2,
};

export interface TinySite {
  dir: string;
  store: string;
  out: string;
  sweep: SweepResult;
  site: SiteResult;
}

/** Runs the tiny sweep into a temp store and builds a site from it (no notebooks). */
export async function tinySite(): Promise<TinySite> {
  const dir = await Deno.makeTempDir({ prefix: "site-" });
  const store = join(dir, "results.duckdb");
  const s = await sweep(TINY_HEADLINE, { store, workers: 2, progress: "none" });
  if (s.failed) throw new Error(`tiny sweep: ${s.failed} points failed`);
  const out = join(dir, "_site");
  const site = await buildSite({
    outDir: out,
    store,
    notebooksDir: join(dir, "no-notebooks"),
    publishedDir: join(dir, "no-published"),
  });
  return { dir, store, out, sweep: s, site };
}
