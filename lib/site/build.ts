// `deno task site`: the static site in _site/. An index with the headline
// frontier and one line per analysis; a page per executed notebook; the
// explorer (duckdb-wasm in the reader's browser); and the data behind every
// figure as Parquet under data/<sweep id>/, exported from the store (or
// copied from data/published/). Every figure carries its provenance and the
// command that reproduces it. No server-side code: any static host serves it.

import { basename, join } from "node:path";
import { parseConfig } from "../config/mod.ts";
import { HEADLINE_SUBTITLE } from "../demo/mod.ts";
import { engineSourceVersion } from "../migration/mod.ts";
import { METRICS, NAMED_QUERIES } from "../queries/mod.ts";
import { exists, readParquetRows } from "../store/mod.ts";
import {
  DEFAULT_STORE,
  exportSweep,
  provenance,
  PUBLISHED_DIR,
  resolveSweep,
  Store,
  StoreError,
} from "../sweep/mod.ts";
import { bundleExplorer } from "./bundle.ts";
import { commandBlock, esc, page, prefixSvgIds, STYLE_CSS } from "./html.ts";
import {
  figureSlot,
  type Nb,
  notebookRerunCommand,
  printedProvenance,
  renderNotebook,
} from "./notebook_page.ts";
import { DENO } from "./rerun.ts";
import { explorerPage } from "./explorer_page.ts";
import { frontierFigure, shortCommit } from "./figure.ts";

export const SITE_DIR = "_site";
export const NOTEBOOK_OUT_DIR = "data/notebooks";

/** Nothing to build from, or bad input: a one-line message, exit code 2. */
export class SiteError extends Error {
  override name = "SiteError";
}

/** A sweep whose runs the site publishes as Parquet. */
export interface Dataset {
  id: string;
  name: string | null;
  /** "headline", "notebook" or "published". */
  role: string;
  title: string;
  /** Site-relative folder: data/<id>. */
  dir: string;
  runs: number;
  configurations: number;
  runKeys: string[];
  gitCommit: string | null;
  gitDirty: boolean | null;
  engineVersion: string;
  startedAt: string;
  endedAt: string | null;
  host: string;
  /** The folder in the repository when it is published there (data/published/<id>). */
  publishedPath: string | null;
  /** The command that made the sweep, as recorded. */
  madeBy: string | null;
  /** Site-relative path of its frontier figure. */
  figure: string;
  /** Notebook pages that show it. */
  notebooks: string[];
}

export interface SiteOptions {
  outDir?: string;
  store?: string;
  notebooksDir?: string;
  publishedDir?: string;
  /** Sweep selector of the headline (default "headline": the latest sweep with that name). */
  headline?: string;
  log?: (line: string) => void;
}

export interface SiteResult {
  outDir: string;
  pages: string[];
  datasets: Dataset[];
  notebooks: number;
  figures: number;
  scriptBytes: number;
}

interface SweepJson {
  sweep: {
    id: string;
    name: string | null;
    git_commit: string | null;
    git_dirty: boolean | null;
    engine_version: string;
    started_at: string;
    ended_at: string | null;
    host: string;
    spec_json: string;
  };
  points: { point: number; runKey: string; axes: Record<string, unknown> }[];
}

function madeBy(specJson: string): string | null {
  try {
    const spec = JSON.parse(specJson);
    return typeof spec === "string" ? spec : null;
  } catch {
    return null;
  }
}

function datasetFrom(s: SweepJson, role: string, publishedPath: string | null): Dataset {
  const configs = new Set(
    s.points.map((p) => {
      const { seed: _seed, ...rest } = p.axes;
      return JSON.stringify(rest);
    }),
  );
  const titles: Record<string, string> = {
    headline: "The headline sweep",
    notebook: "A notebook's sweep",
    published: "A published sweep",
  };
  return {
    id: s.sweep.id,
    name: s.sweep.name,
    role,
    title: `${titles[role] ?? "Sweep"}${s.sweep.name ? ` “${s.sweep.name}”` : ""}`,
    dir: `data/${s.sweep.id}`,
    runs: s.points.length,
    configurations: configs.size,
    runKeys: s.points.map((p) => p.runKey),
    gitCommit: s.sweep.git_commit,
    gitDirty: s.sweep.git_dirty,
    engineVersion: s.sweep.engine_version,
    startedAt: s.sweep.started_at,
    endedAt: s.sweep.ended_at,
    host: s.sweep.host,
    publishedPath,
    madeBy: madeBy(s.sweep.spec_json),
    figure: `figures/${s.sweep.id}.svg`,
    notebooks: [],
  };
}

const date = (
  iso: string | null,
) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "");

/** The command that reproduces a dataset's numbers, from where the repository holds it. */
export function reproduceCommand(d: Dataset): string {
  return `${DENO} task reproduce ${d.publishedPath ?? `${SITE_DIR}/${d.dir}`}`;
}

/** A figure's provenance: sweep, runs, commit, engine, date, commands, Parquet. */
function datasetCaption(d: Dataset, root: string, extra: { svg?: string; remake?: string } = {}) {
  const keys = d.runKeys.length
    ? `<details><summary>${d.runKeys.length} run keys</summary>${
      d.runKeys.map((k) => `<code>${esc(k)}</code>`).join(" ")
    }</details>`
    : "";
  return `<figcaption class="provenance">
<dl class="prov">
<dt>sweep</dt><dd>${esc(d.id)}${d.name ? ` (${esc(d.name)})` : ""}</dd>
<dt>runs</dt><dd>${d.runs} runs, ${d.configurations} configurations${keys}</dd>
<dt>git commit</dt><dd>${esc(shortCommit(d.gitCommit))}${
    d.gitDirty ? " (with uncommitted changes)" : ""
  }</dd>
<dt>engine</dt><dd>${esc(d.engineVersion)}</dd>
<dt>date</dt><dd>${esc(date(d.startedAt))}</dd>
</dl>
${commandBlock(reproduceCommand(d), "reproduce")}
${extra.remake ? commandBlock(extra.remake, "rerun") : ""}
<div class="links">data: <a href="${root}${d.dir}/runs.parquet">runs.parquet</a><a href="${root}${d.dir}/rounds.parquet">rounds.parquet</a><a href="${root}${d.dir}/sweep.json">sweep.json</a>${
    extra.svg ? `<a href="${root}${extra.svg}">SVG</a>` : ""
  }<a href="${root}explorer.html#dataset=${esc(d.id)}">open in the explorer</a></div>
</figcaption>`;
}

/** Provenance of a figure computed inside a notebook, from no stored sweep. */
function notebookCaption(nb: NotebookInfo, svg: string, root: string): string {
  return `<figcaption class="provenance">
<dl class="prov">
<dt>sweep</dt><dd>none: computed inside the notebook (no stored runs)</dd>
<dt>notebook</dt><dd>notebooks/${esc(nb.name)}.ipynb</dd>
<dt>git commit</dt><dd>${esc(nb.gitCommit ?? "not recorded by the notebook")}</dd>
<dt>engine</dt><dd>${esc(nb.engineVersion ?? "not recorded by the notebook")}</dd>
<dt>date</dt><dd>${esc(nb.executedAt)} (executed)</dd>
</dl>
${commandBlock(nb.command, "reproduce")}
<div class="links"><a href="${root}${svg}">SVG</a></div>
</figcaption>`;
}

interface NotebookInfo {
  name: string;
  page: string;
  title: string;
  summary: string;
  figures: number;
  sweepIds: string[];
  command: string;
  executedAt: string;
  engineVersion?: string;
  gitCommit?: string;
  body: string;
  figureSvgs: { index: number; svg: string; sweepIds: string[] }[];
}

async function readNotebooks(dir: string): Promise<NotebookInfo[]> {
  if (!(await exists(dir))) return [];
  const out: NotebookInfo[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) names.push(e.name);
  }
  for (const file of names.sort()) {
    const path = join(dir, file);
    let nb: Nb;
    try {
      nb = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      throw new SiteError(`${path} is not a notebook: ${(e as Error).message}`);
    }
    const name = file.replace(/\.ipynb$/, "");
    const rendered = renderNotebook(nb);
    const mtime = (await Deno.stat(path)).mtime;
    out.push({
      name,
      page: `notebooks/${name}.html`,
      title: rendered.title,
      summary: rendered.summary,
      figures: rendered.figures.length,
      sweepIds: [...new Set(rendered.figures.flatMap((f) => f.sweepIds))],
      command: notebookRerunCommand(path, nb),
      executedAt: mtime ? date(mtime.toISOString()) : "unknown",
      ...printedProvenance(nb),
      body: rendered.body,
      figureSvgs: rendered.figures,
    });
  }
  return out;
}

async function readSweepJson(path: string): Promise<SweepJson> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new SiteError(`${path}: ${(e as Error).message}`);
  }
}

/** Published folders: data/published/<id>/ with runs.parquet, rounds.parquet and sweep.json. */
async function publishedDirs(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const d = join(dir, e.name);
    if (
      e.isDirectory && (await exists(join(d, "runs.parquet"))) &&
      (await exists(join(d, "sweep.json")))
    ) out.push(d);
  }
  return out.sort();
}

/** Builds the site; throws SiteError when there is nothing to build from. */
export async function buildSite(options: SiteOptions = {}): Promise<SiteResult> {
  const log = options.log ?? (() => {});
  const outDir = options.outDir ?? SITE_DIR;
  const storePath = options.store ?? DEFAULT_STORE;
  const notebooks = await readNotebooks(options.notebooksDir ?? NOTEBOOK_OUT_DIR);

  // Which sweeps of the store the site shows: the headline and those the notebooks' figures name.
  const fromStore: { id: string; role: string }[] = [];
  const missingSweeps = new Set<string>();
  let headlineId: string | null = null;
  if (await exists(storePath)) {
    let store: Store;
    try {
      store = await Store.open(storePath, { readOnly: true });
    } catch (e) {
      throw new SiteError((e as Error).message);
    }
    try {
      try {
        headlineId = (await resolveSweep(store, options.headline ?? "headline")).id;
        fromStore.push({ id: headlineId, role: "headline" });
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        if (options.headline) throw new SiteError(e.message);
      }
      for (const id of new Set(notebooks.flatMap((n) => n.sweepIds))) {
        if (fromStore.some((s) => s.id === id)) continue;
        const have = await store.read(`SELECT 1 FROM sweeps WHERE id = $1`, [id]);
        if (have.rows.length) fromStore.push({ id, role: "notebook" });
        else missingSweeps.add(id);
      }
    } finally {
      store.close();
    }
  }
  if (fromStore.length === 0 && notebooks.length === 0) {
    throw new SiteError(
      `nothing to build: no headline sweep in ${storePath} and no executed notebooks in ${
        options.notebooksDir ?? NOTEBOOK_OUT_DIR
      }; run \`${DENO} task demo\` (the headline) and/or \`${DENO} task notebooks\` first`,
    );
  }

  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  for (const d of ["data", "figures", "notebooks"]) {
    await Deno.mkdir(join(outDir, d), { recursive: true });
  }

  // The data: each sweep's runs and rounds as Parquet, and its sweep.json.
  const datasets: Dataset[] = [];
  for (const s of fromStore) {
    const r = await exportSweep(s.id, { store: storePath, outDir: join(outDir, "data") });
    log(`data: sweep ${r.sweepId} (${s.role}): ${r.runs} runs, ${r.rounds} rounds`);
    datasets.push(datasetFrom(await readSweepJson(join(r.dir, "sweep.json")), s.role, null));
  }
  const publishedRoot = options.publishedDir ?? PUBLISHED_DIR;
  for (const dir of await publishedDirs(publishedRoot)) {
    const json = await readSweepJson(join(dir, "sweep.json"));
    const repoPath = `${publishedRoot}/${basename(dir)}`;
    const known = datasets.find((d) => d.id === json.sweep.id);
    if (known) {
      known.publishedPath = repoPath;
      continue;
    }
    const target = join(outDir, "data", json.sweep.id);
    await Deno.mkdir(target, { recursive: true });
    for (const f of ["runs.parquet", "rounds.parquet", "sweep.json"]) {
      if (await exists(join(dir, f))) await Deno.copyFile(join(dir, f), join(target, f));
    }
    log(`data: sweep ${json.sweep.id} (published in ${repoPath})`);
    datasets.push(datasetFrom(json, "published", repoPath));
  }
  for (const nb of notebooks) {
    for (const id of nb.sweepIds) datasets.find((d) => d.id === id)?.notebooks.push(nb.page);
  }

  // One frontier figure per dataset, drawn from the Parquet the site publishes.
  const figures = new Map<string, string>();
  for (const d of datasets) {
    const rows = await readParquetRows(join(outDir, d.dir, "runs.parquet"));
    if (!rows.some((r) => r.status === "ok")) continue;
    const svg = frontierFigure(
      rows,
      d,
      d.role === "headline" || d.name === "headline"
        ? HEADLINE_SUBTITLE
        : `sweep “${d.name ?? d.id}”`,
    );
    await Deno.writeTextFile(join(outDir, d.figure), svg);
    figures.set(d.id, svg);
  }

  const buildCommit = (await provenance()).gitCommit;
  const engineNow = await engineSourceVersion();
  const builtAt = new Date().toISOString();
  const footer = `Built ${esc(date(builtAt))} from commit <code>${
    esc(shortCommit(buildCommit))
  }</code> with engine <code>${esc(engineNow)}</code> · <code>${DENO} task site</code>`;
  const pages: string[] = [];
  const write = async (rel: string, html: string) => {
    await Deno.writeTextFile(join(outDir, rel), html);
    pages.push(rel);
  };

  // Notebook pages.
  let figureCount = 0;
  for (const nb of notebooks) {
    let body = nb.body;
    for (const f of nb.figureSvgs) {
      figureCount++;
      const svgPath = `figures/${nb.name}-${f.index}.svg`;
      await Deno.writeTextFile(join(outDir, svgPath), f.svg);
      const d = datasets.find((x) => f.sweepIds.includes(x.id));
      const missing = f.sweepIds.filter((id) => missingSweeps.has(id));
      const caption = d
        ? datasetCaption(d, "../", { svg: svgPath, remake: nb.command })
        : notebookCaption(nb, svgPath, "../") +
          (missing.length
            ? `<p class="note">Its caption names sweep ${
              esc(missing.join(", "))
            }, which is not in the store: run the notebook again to store it.</p>`
            : "");
      body = body.replace(figureSlot(f.index), caption);
    }
    await write(
      nb.page,
      page({
        title: nb.title,
        root: "../",
        current: "notebook",
        footer,
        body: `<p class="note"><a href="../index.html">Results</a> › notebooks/${
          esc(nb.name)
        }.ipynb · executed ${
          esc(nb.executedAt)
        } · code cells are folded: click “code” to see one.</p>
${commandBlock(nb.command, "rerun")}
${body}`,
      }),
    );
  }

  // The index.
  const headline = datasets.find((d) => d.role === "headline");
  const headlineFigure = headline && figures.has(headline.id)
    ? `<figure class="figure" id="headline"><div class="svg">${
      prefixSvgIds(figures.get(headline.id)!, "h")
    }</div>${
      datasetCaption(headline, "", { svg: headline.figure, remake: `${DENO} task demo` })
    }</figure>`
    : `<div class="card note">No headline sweep in the store: run <code>${DENO} task demo</code> and build again.</div>`;
  const analyses = [
    ...notebooks.map((nb) =>
      `<li><a href="${nb.page}"><strong>${esc(nb.title)}</strong></a> — ${esc(nb.summary)}
<div class="meta">notebooks/${esc(nb.name)}.ipynb · ${nb.figures} figure${
        nb.figures === 1 ? "" : "s"
      } · executed ${esc(nb.executedAt)}</div></li>`
    ),
    `<li><a href="explorer.html"><strong>Explorer</strong></a> — every run on this site in your browser: pick the axes, colour, symbol and facet, filter by any config column, run SQL (duckdb-wasm, offline).
<div class="meta">${datasets.reduce((a, d) => a + d.runs, 0)} runs in ${datasets.length} sweep${
      datasets.length === 1 ? "" : "s"
    }</div></li>`,
  ];
  if (notebooks.length === 0) {
    analyses.push(
      `<li class="note">No executed notebooks yet: run <code>${DENO} task notebooks</code> and build again.</li>`,
    );
  }
  const dataRows = datasets.map((d) =>
    `<tr><td><code>${esc(d.id)}</code></td><td>${esc(d.name ?? "")}</td><td>${esc(d.role)}${
      d.publishedPath ? `, in <code>${esc(d.publishedPath)}</code>` : ""
    }</td><td class="num">${d.runs}</td><td><code>${esc(d.engineVersion)}</code></td><td>${
      esc(date(d.startedAt))
    }</td><td><a href="${d.dir}/runs.parquet">runs</a> · <a href="${d.dir}/rounds.parquet">rounds</a> · <a href="${d.dir}/sweep.json">sweep.json</a> · <a href="${d.figure}">figure</a></td></tr>`
  ).join("\n");
  await write(
    "index.html",
    page({
      title: "IOMMU dirty tracking during live migration: results",
      root: "",
      current: "index",
      footer,
      body: `<h1>Dirty tracking granularity: migration data vs the guest's IOTLB misses</h1>
<p class="lede">A simulated IOMMU tracks a passthrough device's DMA writes while a VM is live-migrated with
QEMU-style pre-copy. Tracking at huge-page granularity resends whole huge pages; splitting them for 4 KiB
tracking costs the guest IOTLB misses. Each configuration lands on one plane: lower-left is better.</p>
${headlineFigure}
<h2>Analyses</h2>
<div class="card"><ul class="analyses">${analyses.join("\n")}</ul></div>
<h2>Data</h2>
<p class="note">Every figure's runs as Parquet (one row per run: its run key, config columns, every
metric and its effective config as JSON), its pre-copy rounds, and the sweep's provenance.
<code>${DENO} task reproduce &lt;folder&gt;</code> reruns every run and compares every metric.</p>
<div class="card" style="overflow-x:auto"><table class="data"><thead><tr><th>sweep</th><th>name</th><th>role</th><th class="num">runs</th><th>engine</th><th>date</th><th>files</th></tr></thead><tbody>
${dataRows}
</tbody></table></div>`,
    }),
  );

  // The explorer: its page, its bundle, duckdb-wasm's files and the manifest it reads.
  const manifest = {
    builtAt,
    gitCommit: buildCommit,
    engineVersion: engineNow,
    defaultDataset: headline?.id ?? datasets[0]?.id ?? null,
    datasets,
    metrics: METRICS,
    queries: Object.values(NAMED_QUERIES),
    defaults: parseConfig({}),
  };
  await Deno.writeTextFile(join(outDir, "data/index.json"), JSON.stringify(manifest, null, 1));
  await write("explorer.html", explorerPage(footer));
  await Deno.writeTextFile(join(outDir, "style.css"), STYLE_CSS);
  const bundle = await bundleExplorer(outDir);
  log(`explorer: explorer.js ${(bundle.scriptBytes / 1024).toFixed(0)} KiB, duckdb-wasm copied`);
  return {
    outDir,
    pages,
    datasets,
    notebooks: notebooks.length,
    figures: figureCount + (headline && figures.has(headline.id) ? 1 : 0),
    scriptBytes: bundle.scriptBytes,
  };
}
