// The explorer, in the reader's browser: duckdb-wasm holds the chosen sweep's
// runs and rounds (Parquet decoded by hyparquet, inserted as Arrow), the chart
// is Observable Plot over the same named SQL that `deno task query --named`
// runs on the store, and a click on a mark shows the run and the command that
// reruns it. Every asset comes from the site itself: it works offline.
// When a chart is drawn, body[data-ready] is "true" and body[data-marks] the
// number of data marks: tests and scripts wait on them.

import * as duckdb from "@duckdb/duckdb-wasm";
import * as Plot from "@observablehq/plot";
import * as aq from "arquero";
import { FRONTIER_SQL, isConfigColumn, NAMED_QUERIES, RUNS_SQL } from "../queries/mod.ts";
import { rerunWithConfig, rerunWithOverrides } from "../site/rerun.ts";
import { parquetToArrow, rowsToArrow, tableRows } from "./arrow.ts";
import {
  formatBytes,
  formatPercent,
  formatValue,
  isBytes,
  isRate,
  label,
  sortValues,
} from "./format.ts";

type Row = Record<string, unknown>;

interface Dataset {
  id: string;
  name: string | null;
  role: string;
  title: string;
  dir: string;
  runs: number;
  configurations: number;
  engineVersion: string;
  gitCommit: string | null;
  startedAt: string;
  publishedPath: string | null;
}

interface Manifest {
  defaultDataset: string | null;
  datasets: Dataset[];
  metrics: string[];
  defaults: unknown;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

const state = {
  manifest: null as Manifest | null,
  dataset: null as Dataset | null,
  conn: null as duckdb.AsyncDuckDBConnection | null,
  columns: [] as string[],
  /** Config columns with more than one value in the dataset, and their values. */
  varying: new Map<string, unknown[]>(),
  fixed: new Map<string, unknown>(),
  filters: new Map<string, Set<string>>(),
  chartSql: "",
  lastRows: [] as Row[],
  lastColumns: [] as string[],
  firstChart: true,
  drawSeq: 0,
};

function status(text: string) {
  $("status").textContent = text;
}

async function startDuckDb(): Promise<duckdb.AsyncDuckDBConnection> {
  const base = new URL("duckdb/", location.href).href;
  const bundles: duckdb.DuckDBBundles = {
    mvp: {
      mainModule: `${base}duckdb-mvp.wasm`,
      mainWorker: `${base}duckdb-browser-mvp.worker.js`,
    },
    eh: {
      mainModule: `${base}duckdb-eh.wasm`,
      mainWorker: `${base}duckdb-browser-eh.worker.js`,
    },
  };
  const bundle = await duckdb.selectBundle(bundles);
  const worker = new Worker(bundle.mainWorker!);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  return await db.connect();
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return await r.arrayBuffer();
}

async function sql(text: string): Promise<{ columns: string[]; rows: Row[] }> {
  return tableRows(await state.conn!.query(text));
}

interface DatasetFiles {
  runs: Awaited<ReturnType<typeof parquetToArrow>>;
  // deno-lint-ignore no-explicit-any
  sweepJson: any;
}

/** Fetches and decodes a sweep's runs (this can run while duckdb-wasm starts). */
async function fetchDataset(d: Dataset): Promise<DatasetFiles> {
  const [runs, sweepJson] = await Promise.all([
    fetchBytes(`${d.dir}/runs.parquet`).then(parquetToArrow),
    fetch(`${d.dir}/sweep.json`).then((r) => r.json()),
  ]);
  return { runs, sweepJson };
}

/** Loads one sweep's tables into duckdb-wasm under the store's names. */
async function loadDataset(d: Dataset, files?: Promise<DatasetFiles>): Promise<void> {
  const conn = state.conn!;
  status(`Loading sweep ${d.id}…`);
  for (const t of ["runs", "rounds", "sweeps", "sweep_points"]) {
    await conn.query(`DROP TABLE IF EXISTS ${t}`);
  }
  const { runs, sweepJson } = await (files ?? fetchDataset(d));
  await conn.insertArrowTable(runs, { name: "runs" });
  await conn.insertArrowTable(rowsToArrow([sweepJson.sweep]), { name: "sweeps" });
  await conn.insertArrowTable(
    rowsToArrow(
      (sweepJson.points as { point: number; runKey: string; axes: unknown }[]).map((p) => ({
        sweep_id: d.id,
        point: p.point,
        run_key: p.runKey,
        axes_json: JSON.stringify(p.axes),
      })),
    ),
    { name: "sweep_points" },
  );
  state.dataset = d;
  state.columns = (await sql(`SELECT column_name FROM (DESCRIBE runs)`)).rows.map((r) =>
    String(r.column_name)
  );
  // Which config columns vary here: those are the ones to encode and filter by.
  const configs = state.columns.filter(isConfigColumn);
  const counts = (await sql(
    `SELECT ${
      configs.map((c) =>
        `count(DISTINCT coalesce(CAST(${ident(c)} AS VARCHAR), '∅')) AS ${ident(c)}`
      )
        .join(", ")
    } FROM runs WHERE status = 'ok'`,
  )).rows[0] ?? {};
  state.varying.clear();
  state.fixed.clear();
  for (const c of configs) {
    const values = (await sql(`SELECT DISTINCT ${ident(c)} AS v FROM runs WHERE status = 'ok'`))
      .rows.map((r) => r.v);
    if (Number(counts[c]) > 1) state.varying.set(c, sortValues(values));
    else if (values[0] !== null && values[0] !== undefined) state.fixed.set(c, values[0]);
  }
  state.filters.clear();
  // Rounds are not needed for the first chart: load them behind it.
  fetchBytes(`${d.dir}/rounds.parquet`).then(parquetToArrow).then((t) =>
    conn.insertArrowTable(t, { name: "rounds" })
  ).catch((e) => showError(`rounds.parquet: ${e.message}`));
}

function option(value: string, text: string, selected = false) {
  return `<option value="${esc(value)}"${selected ? " selected" : ""}>${esc(text)}</option>`;
}

function fillControls() {
  const metrics = state.manifest!.metrics.filter((m) => state.columns.includes(m));
  const varying = [...state.varying.keys()];
  const numeric = (c: string) => (state.varying.get(c) ?? []).every((v) => typeof v === "number");
  const axes = [
    ...metrics,
    ...varying.filter((c) => numeric(c) && (c !== "seed" || grain() === "run")),
  ];
  const groupings = ["", ...varying.filter((c) => c !== "seed" || grain() === "run"), "converged"];
  const fill = (id: string, list: string[], preferred: string[]) => {
    const el = $<HTMLSelectElement>(id);
    const current = el.options.length ? el.value : undefined;
    const pick = [current, ...preferred].find((v) => v !== undefined && list.includes(v)) ??
      list[0];
    el.innerHTML = list.map((c) => option(c, c === "" ? "none" : label(c), c === pick)).join("");
  };
  fill("x", axes, ["bytesTransferred"]);
  fill("y", axes, ["iotlbMissRate"]);
  fill("color", groupings, ["iommu_pageSize", ""]);
  fill("symbol", groupings, ["tracking_split", ""]);
  fill("facet", groupings, [""]);
  // Filters: a checkbox per value of every varying config column.
  $("filters").classList.remove("muted");
  $("filters").innerHTML =
    varying.map((c) =>
      `<fieldset class="filter" data-column="${esc(c)}"><legend>${esc(label(c))}</legend>${
        state.varying.get(c)!.map((v) =>
          `<label><input type="checkbox" checked data-column="${esc(c)}" value="${
            esc(JSON.stringify(v))
          }">${esc(formatValue(c, v))}</label>`
        ).join("")
      }</fieldset>`
    ).join("") || `<p class="muted">No config column varies in this sweep.</p>`;
  $("fixed").innerHTML = state.fixed.size
    ? `<details><summary>${state.fixed.size} config columns are the same in every run</summary>${
      [...state.fixed].map(([c, v]) =>
        `<div><code>${esc(c)}</code> = ${esc(formatValue(c, v))}</div>`
      )
        .join("")
    }</details>`
    : "";
}

function grain(): "config" | "run" {
  return document.querySelector<HTMLInputElement>('input[name="grain"][value="run"]')?.checked
    ? "run"
    : "config";
}

function literal(v: unknown): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  return sqlString(String(v));
}

/** The chart's SQL: a named query over the runs the filters keep. */
function chartQuery(): string {
  const conditions: string[] = [];
  for (const fs of document.querySelectorAll<HTMLFieldSetElement>("fieldset.filter")) {
    const column = fs.dataset.column!;
    const boxes = [...fs.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    const on = boxes.filter((b) => b.checked).map((b) => JSON.parse(b.value));
    if (on.length === boxes.length) continue;
    const values = on.filter((v) => v !== null).map(literal);
    const parts = [
      ...(values.length ? [`${ident(column)} IN (${values.join(", ")})`] : []),
      ...(on.includes(null) ? [`${ident(column)} IS NULL`] : []),
    ];
    conditions.push(parts.length ? `(${parts.join(" OR ")})` : "FALSE");
  }
  const base = grain() === "config" ? FRONTIER_SQL : RUNS_SQL;
  if (conditions.length === 0) return base;
  return `WITH runs AS (SELECT * FROM main.runs WHERE ${conditions.join(" AND ")})\n${base}`;
}

/** The non-dominated rows of each group (lower x and lower y are better). */
function paretoByGroup(rows: Row[], x: string, y: string, group: (r: Row) => string): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(group(r), [...(groups.get(group(r)) ?? []), r]);
  const out: Row[] = [];
  for (const list of groups.values()) {
    const sorted = [...list].sort((a, b) =>
      Number(a[x]) - Number(b[x]) || Number(a[y]) - Number(b[y])
    );
    let best = Infinity;
    for (const r of sorted) {
      if (Number(r[y]) < best) {
        out.push(r);
        best = Number(r[y]);
      }
    }
  }
  return out;
}

function tickFormat(column: string) {
  if (isBytes(column)) return (v: number) => formatBytes(v);
  if (isRate(column)) return (v: number) => formatPercent(v);
  return undefined;
}

/** Ticks for a byte axis at powers of two (log) or multiples of one (linear), else Plot's own. */
function byteTicks(column: string, log: boolean, values: number[]): number[] | undefined {
  if (!isBytes(column) || values.length === 0) return undefined;
  const lo = Math.min(...values), hi = Math.max(...values);
  if (!(hi > 0)) return undefined;
  if (log) {
    const a = Math.floor(Math.log2(Math.max(lo, 1))), b = Math.ceil(Math.log2(hi));
    let ticks = [];
    for (let k = a; k <= b; k++) ticks.push(2 ** k);
    if (ticks.length < 4) ticks = ticks.flatMap((t) => [t, 1.5 * t]).filter((t) => t <= 2 ** b);
    const stride = Math.ceil(ticks.length / 9);
    return ticks.filter((_, i) => i % stride === 0);
  }
  const step = 2 ** Math.ceil(Math.log2(Math.max(hi - Math.min(lo, 0), 1) / 8));
  const ticks = [];
  for (let t = Math.floor(Math.min(lo, 0) / step) * step; t <= hi + step; t += step) ticks.push(t);
  return ticks;
}

/** Categorical values of a grouping column, as the legend shows them. */
function categorical(column: string) {
  if (!column) return { value: undefined, domain: undefined };
  const values = column === "converged" ? [true, false] : state.varying.get(column) ?? [];
  const text = (v: unknown) => formatValue(column, v);
  return { value: (r: Row) => text(r[column]), domain: values.map(text) };
}

async function draw(): Promise<void> {
  const seq = ++state.drawSeq;
  const x = $<HTMLSelectElement>("x").value, y = $<HTMLSelectElement>("y").value;
  const colorCol = $<HTMLSelectElement>("color").value;
  const symbolCol = $<HTMLSelectElement>("symbol").value;
  const facetCol = $<HTMLSelectElement>("facet").value;
  const logX = $<HTMLInputElement>("logx").checked, logY = $<HTMLInputElement>("logy").checked;
  state.chartSql = chartQuery();
  document.body.dataset.ready = "false";
  let result;
  try {
    result = await sql(state.chartSql);
  } catch (e) {
    showError(`chart query: ${(e as Error).message}`);
    return;
  }
  if (seq !== state.drawSeq) return; // a newer draw started
  const ok = (v: unknown, log: boolean) => Number.isFinite(Number(v)) && (!log || Number(v) > 0);
  const rows = result.rows.filter((r) => ok(r[x], logX) && ok(r[y], logY));
  const dropped = result.rows.length - rows.length;
  const color = categorical(colorCol),
    symbol = categorical(symbolCol),
    facet = categorical(facetCol);
  const width = Math.max(480, $("chart").clientWidth - 8);
  const marks: Plot.Markish[] = [];
  if ($<HTMLInputElement>("frontier").checked && rows.length) {
    const key = (r: Row) => `${color.value?.(r) ?? ""}|${facet.value?.(r) ?? ""}`;
    const front = paretoByGroup(rows, x, y, key);
    marks.push(Plot.line(front, {
      x,
      y,
      z: key,
      stroke: color.value ?? "#888",
      fx: facet.value,
      strokeOpacity: 0.45,
      strokeWidth: 1.5,
      sort: { channel: "x" },
    }));
  }
  const shown = grain() === "config" ? "configuration" : "run";
  marks.push(Plot.dot(rows, {
    x,
    y,
    fill: color.value ?? "#2f5bd3",
    symbol: symbol.value,
    fx: facet.value,
    r: 6,
    stroke: "white",
    strokeWidth: 1,
    fillOpacity: 0.85,
    tip: {
      format: { x: tickFormat(x) ?? true, y: tickFormat(y) ?? true },
    },
    channels: grain() === "config" ? { runs: "runs" } : { seed: "seed" },
    render(index, scales, values, dimensions, context, next) {
      const g = next!(index, scales, values, dimensions, context) as SVGGElement;
      const els = g.querySelectorAll("circle, path");
      els.forEach((el, i) => el.setAttribute("data-row", String(index[i])));
      return g;
    },
  }));
  const plot = Plot.plot({
    width,
    height: 470,
    marginLeft: 78,
    marginRight: 20,
    marginBottom: 48,
    marginTop: facetCol ? 28 : 16,
    style: { fontSize: "12px" },
    grid: true,
    x: {
      type: logX ? "log" : "linear",
      label: `${label(x)} →`,
      tickFormat: tickFormat(x),
      ticks: byteTicks(x, logX, rows.map((r) => Number(r[x]))),
      nice: !logX,
      insetLeft: 8,
      insetRight: 8,
    },
    y: {
      type: logY ? "log" : "linear",
      label: `↑ ${label(y)}`,
      tickFormat: tickFormat(y),
      ticks: byteTicks(y, logY, rows.map((r) => Number(r[y]))),
      nice: true,
      insetTop: 6,
    },
    color: colorCol
      ? {
        type: "ordinal",
        domain: color.domain,
        legend: true,
        label: label(colorCol),
        scheme: "observable10",
      }
      : undefined,
    symbol: symbolCol
      ? { domain: symbol.domain, legend: true, label: label(symbolCol) }
      : undefined,
    fx: facetCol ? { domain: facet.domain, label: label(facetCol) } : undefined,
    marks,
  });
  // A click selects the mark the pointer points at (Plot's plot.value): the
  // nearest one, which also settles marks drawn on top of each other.
  plot.addEventListener("click", () => {
    const datum = (plot as unknown as { value?: Row }).value;
    if (!datum) return;
    const row = rows.indexOf(datum);
    plot.querySelectorAll("[data-row].selected").forEach((s) => s.classList.remove("selected"));
    plot.querySelector(`[data-row="${row}"]`)?.classList.add("selected");
    showRun(datum);
  });
  const chart = $("chart");
  chart.replaceChildren(plot);
  const n = chart.querySelectorAll("[data-row]").length;
  $("chart-title").textContent = `${label(y)} vs ${label(x)}`;
  $("chart-note").textContent =
    `${n} ${shown}${n === 1 ? "" : "s"} from sweep ${state.dataset!.id} · one mark per ${shown}` +
    (grain() === "config" ? " (mean of its seeds)" : "") +
    (dropped
      ? ` · ${dropped} left out (no value${logX || logY ? " > 0 on a log axis" : ""})`
      : "") +
    " · click a mark for its runs";
  status(
    `${state.dataset!.runs} runs · engine ${state.dataset!.engineVersion} · ${
      state.dataset!.startedAt.slice(0, 10)
    }`,
  );
  if (state.firstChart) {
    state.firstChart = false;
    document.body.dataset.firstChartMs = String(Math.round(performance.now()));
  }
  document.body.dataset.marks = String(n);
  document.body.dataset.ready = "true";
}

async function showRun(datum: Row): Promise<void> {
  const keys = String(datum.run_keys ?? datum.run_key ?? "").split(",").filter(Boolean);
  if (keys.length === 0) return;
  const panel = $("run");
  panel.classList.remove("muted");
  const config = [...state.varying.keys()].filter((c) => c !== "seed")
    .map((c) => `${label(c)} ${formatValue(c, datum[c])}`).join(" · ");
  const pick = async (key: string) => {
    const r = (await sql(
      `SELECT run_key, seed, engine_version, status, config_json, bytesTransferred, iotlbMissRate,
              converged, rounds, invalidations FROM runs WHERE run_key = ${sqlString(key)}`,
    )).rows[0];
    if (!r) return;
    const cfg = JSON.parse(String(r.config_json));
    panel.innerHTML = `<p><strong>${esc(config || "this configuration")}</strong>${
      keys.length > 1 ? ` — ${keys.length} runs (seeds):` : ""
    }</p>
<div class="seeds">${
      keys.map((k) =>
        `<button class="${k === key ? "" : "secondary"}" data-key="${esc(k)}">${esc(k)}</button>`
      ).join("")
    }</div>
<dl class="kv" id="run-details">
<dt>run key</dt><dd id="run-key">${esc(r.run_key)}</dd>
<dt>seed</dt><dd>${esc(r.seed)}</dd>
<dt>engine</dt><dd id="run-engine">${esc(r.engine_version)}</dd>
<dt>data sent</dt><dd>${esc(formatValue("bytesTransferred", r.bytesTransferred))}</dd>
<dt>miss rate</dt><dd>${esc(formatValue("iotlbMissRate", r.iotlbMissRate))}</dd>
<dt>converged</dt><dd>${esc(formatValue("converged", r.converged))} in ${esc(r.rounds)} rounds</dd>
</dl>
<div class="cmd"><span class="cmd-label">rerun</span><code id="run-command">${
      esc(rerunWithConfig(cfg))
    }</code></div>
<div class="cmd"><span class="cmd-label">or</span><code id="run-command-short">${
      esc(rerunWithOverrides(cfg, state.manifest!.defaults))
    }</code></div>
<details><summary>effective config (JSON)</summary><pre id="run-config">${
      esc(JSON.stringify(cfg, null, 2))
    }</pre></details>`;
    panel.querySelectorAll<HTMLButtonElement>("button[data-key]").forEach((b) =>
      b.addEventListener("click", () => pick(b.dataset.key!))
    );
    document.body.dataset.run = String(r.run_key);
  };
  await pick(keys[0]);
}

function showError(message: string) {
  console.warn(message);
  const el = $("sql-status");
  el.className = "err";
  el.textContent = message;
}

function renderTable(columns: string[], rows: Row[]): string {
  const limit = 500;
  const cell = (c: string, v: unknown) => {
    if (v === null || v === undefined) return `<td class="muted">NULL</td>`;
    const title = typeof v === "number" && (isBytes(c) || isRate(c)) ? ` title="${esc(v)}"` : "";
    const text = typeof v === "object"
      ? JSON.stringify(v)
      : typeof v === "number"
      ? formatValue(c, v)
      : String(v);
    return `<td${title}>${esc(text.length > 120 ? text.slice(0, 119) + "…" : text)}</td>`;
  };
  return `<table><thead><tr>${
    columns.map((c) => `<th>${esc(c)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.slice(0, limit).map((r) => `<tr>${columns.map((c) => cell(c, r[c])).join("")}</tr>`).join(
      "",
    )
  }</tbody></table>`;
}

async function runSql(): Promise<void> {
  const text = $<HTMLTextAreaElement>("sql").value;
  const st = $("sql-status");
  st.className = "muted";
  st.textContent = "running…";
  const t0 = performance.now();
  try {
    const r = await sql(text);
    state.lastRows = r.rows;
    state.lastColumns = r.columns;
    st.textContent = `${r.rows.length} row${r.rows.length === 1 ? "" : "s"} in ${
      Math.round(performance.now() - t0)
    } ms${r.rows.length > 500 ? " (first 500 shown)" : ""}`;
    $("sql-result").innerHTML = renderTable(r.columns, r.rows);
    document.body.dataset.sqlRows = String(r.rows.length);
  } catch (e) {
    st.className = "err";
    st.textContent = (e as Error).message;
    $("sql-result").innerHTML = "";
    document.body.dataset.sqlRows = "error";
  }
}

function downloadCsv() {
  if (!state.lastColumns.length) return;
  const table = aq.from(state.lastRows).select(state.lastColumns);
  const blob = new Blob([table.toCSV()], { type: "text/csv" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${state.dataset?.id ?? "query"}.csv`;
  a.click();
  URL.revokeObjectURL(a.href);
}

function setupSql() {
  const named = $<HTMLSelectElement>("named");
  named.innerHTML = option("", "the chart's query") +
    Object.values(NAMED_QUERIES).map((q) => option(q.name, `${q.name}: ${q.description}`)).join("");
  named.addEventListener("change", () => {
    $<HTMLTextAreaElement>("sql").value = named.value
      ? NAMED_QUERIES[named.value].sql
      : state.chartSql;
  });
  $("run-sql").addEventListener("click", runSql);
  $("csv").addEventListener("click", downloadCsv);
  $<HTMLTextAreaElement>("sql").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) runSql();
  });
}

async function switchDataset(id: string, files?: Promise<DatasetFiles>): Promise<void> {
  const d = state.manifest!.datasets.find((x) => x.id === id) ?? state.manifest!.datasets[0];
  await loadDataset(d, files);
  fillControls();
  $("filters").querySelectorAll("input").forEach((b) => b.addEventListener("change", draw));
  await draw();
  $<HTMLTextAreaElement>("sql").value = $<HTMLSelectElement>("named").value
    ? NAMED_QUERIES[$<HTMLSelectElement>("named").value].sql
    : state.chartSql;
}

async function main(): Promise<void> {
  if (location.protocol === "file:") {
    status("");
    $("chart").innerHTML =
      `<p class="err">The explorer runs DuckDB in a web worker, which browsers do not allow from file://. Serve the folder: <code>npx -y deno@2.9.6 task site --serve</code> (or any static server, e.g. <code>python3 -m http.server -d _site</code>).</p>`;
    return;
  }
  const duck = startDuckDb();
  const manifest: Manifest = await fetch("data/index.json").then((r) => r.json());
  state.manifest = manifest;
  if (manifest.datasets.length === 0) {
    status("no data on this site");
    return;
  }
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("dataset");
  const first = manifest.datasets.find((d) => d.id === fromHash)?.id ??
    manifest.defaultDataset ?? manifest.datasets[0].id;
  // The first sweep's Parquet is fetched and decoded while duckdb-wasm compiles.
  const files = fetchDataset(manifest.datasets.find((d) => d.id === first)!);
  files.catch(() => {});
  state.conn = await duck;
  $<HTMLSelectElement>("dataset").innerHTML = manifest.datasets.map((d) =>
    option(d.id, `${d.name ?? d.role} · ${d.id} (${d.runs} runs)`, d.id === first)
  ).join("");
  setupSql();
  $("dataset").addEventListener("change", () => {
    const id = $<HTMLSelectElement>("dataset").value;
    history.replaceState(null, "", `#dataset=${id}`);
    switchDataset(id);
  });
  for (const id of ["x", "y", "color", "symbol", "facet", "logx", "logy", "frontier"]) {
    $(id).addEventListener("change", draw);
  }
  document.querySelectorAll('input[name="grain"]').forEach((r) =>
    r.addEventListener("change", () => {
      fillControls();
      $("filters").querySelectorAll("input").forEach((b) => b.addEventListener("change", draw));
      draw();
    })
  );
  addEventListener("resize", () => draw());
  await switchDataset(first, files);
}

main().catch((e) => {
  status("failed");
  $("chart").innerHTML = `<p class="err">${esc((e as Error).message)}</p>`;
  console.error(e);
});
