// `deno task publish`: the headline sweep (run now, reusing stored points, or
// an existing one), and the sweeps of the executed notebooks' figures, into
// data/published/<sweep id>/: runs.parquet, rounds.parquet, sweep.json and
// frontier.svg, the figure drawn from that folder's own Parquet, so its
// caption names exactly that sweep. An older folder of a sweep of the same
// name is removed, and the README's headline numbers and links are rewritten
// from the new data.

import { join } from "node:path";
import { HEADLINE_SUBTITLE, runDemo } from "../demo/mod.ts";
import { readParquetRows } from "../store/mod.ts";
import {
  DEFAULT_STORE,
  exportSweep,
  type ProgressOption,
  PUBLISHED_DIR,
  resolveSweep,
  Store,
  StoreError,
} from "../sweep/mod.ts";
import { NOTEBOOK_OUT_DIR } from "./build.ts";
import { frontierFigure } from "./figure.ts";
import { headlineNumbers, headlineSentence, updateReadme } from "./headline.ts";
import { sweepIdsIn } from "./notebook_page.ts";

export interface PublishOptions {
  store?: string;
  outDir?: string;
  /** Publish this stored sweep as the headline instead of running the headline sweep. */
  sweep?: string;
  /** Executed notebooks whose figures' sweeps are published too (default data/notebooks). */
  notebooksDir?: string;
  /** README to update (default README.md; null: leave it). */
  readme?: string | null;
  progress?: ProgressOption;
  log?: (line: string) => void;
}

export interface PublishedSweep {
  sweepId: string;
  name: string | null;
  dir: string;
  runs: number;
  removed: string[];
}

export interface PublishResult {
  headline: PublishedSweep;
  others: PublishedSweep[];
  /** The README sentence for the headline's numbers. */
  sentence: string;
  /** Claims of that sentence the data does not support. */
  broken: string[];
  readmeUpdated: boolean;
}

/** Exports one stored sweep into <outDir>/<id>/ with its figure; drops older folders of its name. */
export async function publishSweep(
  selector: string,
  options: { store?: string; outDir?: string; subtitle?: string } = {},
): Promise<PublishedSweep> {
  const outDir = options.outDir ?? PUBLISHED_DIR;
  const r = await exportSweep(selector, { store: options.store, outDir });
  const json = JSON.parse(await Deno.readTextFile(join(r.dir, "sweep.json")));
  const rows = await readParquetRows(join(r.dir, "runs.parquet"));
  const sweep = json.sweep;
  const svg = frontierFigure(rows, {
    id: r.sweepId,
    runs: r.runs,
    engineVersion: sweep.engine_version,
    gitCommit: sweep.git_commit ?? null,
    gitDirty: sweep.git_dirty ?? null,
  }, options.subtitle);
  await Deno.writeTextFile(join(r.dir, "frontier.svg"), svg);
  const removed: string[] = [];
  for await (const e of Deno.readDir(outDir)) {
    if (!e.isDirectory || e.name === r.sweepId) continue;
    try {
      const other = JSON.parse(await Deno.readTextFile(join(outDir, e.name, "sweep.json")));
      if (other.sweep?.name === sweep.name) {
        await Deno.remove(join(outDir, e.name), { recursive: true });
        removed.push(join(outDir, e.name));
      }
    } catch { /* not a published sweep: leave it */ }
  }
  return { sweepId: r.sweepId, name: sweep.name, dir: r.dir, runs: r.runs, removed };
}

/** Publishes the headline (and the notebooks' sweeps) and updates the README. */
export async function publish(options: PublishOptions = {}): Promise<PublishResult> {
  const log = options.log ?? (() => {});
  const store = options.store ?? DEFAULT_STORE;
  let headlineId: string;
  if (options.sweep) {
    const s = await Store.open(store, { readOnly: true });
    try {
      headlineId = (await resolveSweep(s, options.sweep)).id;
    } finally {
      s.close();
    }
  } else {
    const demo = await runDemo({ store, progress: options.progress ?? "none" });
    if (demo.sweep.failed) {
      throw new StoreError(`the headline sweep had ${demo.sweep.failed} failed points`, "io");
    }
    headlineId = demo.sweep.sweepId;
    log(`headline sweep ${headlineId}: ${demo.sweep.ran} run, ${demo.sweep.reused} reused`);
  }
  const headline = await publishSweep(headlineId, {
    store,
    outDir: options.outDir,
    subtitle: HEADLINE_SUBTITLE,
  });
  log(`published ${headline.dir} (${headline.runs} runs)`);

  // The sweeps that executed notebooks' figures name, when the store has them.
  const others: PublishedSweep[] = [];
  const nbDir = options.notebooksDir ?? NOTEBOOK_OUT_DIR;
  const ids = new Set<string>();
  try {
    for await (const e of Deno.readDir(nbDir)) {
      if (!e.name.endsWith(".ipynb")) continue;
      const nb = JSON.parse(await Deno.readTextFile(join(nbDir, e.name)));
      for (const c of nb.cells ?? []) {
        for (const o of c.outputs ?? []) {
          const svg = o.data?.["image/svg+xml"];
          if (svg) {
            for (const id of sweepIdsIn(Array.isArray(svg) ? svg.join("") : svg)) ids.add(id);
          }
        }
      }
    }
  } catch { /* no executed notebooks */ }
  for (const id of ids) {
    if (id === headlineId) continue;
    try {
      const p = await publishSweep(id, { store, outDir: options.outDir });
      others.push(p);
      log(`published ${p.dir} (${p.runs} runs, sweep “${p.name}”)`);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      log(`not published: sweep ${id} (${e.message})`);
    }
  }

  const numbers = headlineNumbers(await readParquetRows(join(headline.dir, "runs.parquet")));
  const sentence = headlineSentence(numbers);
  let readmeUpdated = false;
  const readmePath = options.readme === undefined ? "README.md" : options.readme;
  if (readmePath) {
    const text = await Deno.readTextFile(readmePath);
    const next = updateReadme(text, sentence, headline.sweepId);
    if (next !== null && next !== text) {
      await Deno.writeTextFile(readmePath, next);
      // Re-wrap the paragraph as the repository formats Markdown.
      await new Deno.Command(Deno.execPath(), { args: ["fmt", readmePath], stderr: "null" })
        .output();
      readmeUpdated = true;
    }
  }
  return { headline, others, sentence, broken: numbers.broken, readmeUpdated };
}
