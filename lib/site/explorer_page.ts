// The explorer's static page: the controls, the chart, the run panel and the
// SQL box, filled in by explorer.js (lib/explorer/main.ts) once duckdb-wasm
// has loaded the published Parquet in the reader's browser.

import { page } from "./html.ts";

const select = (id: string, label: string) =>
  `<div class="field"><label for="${id}">${label}</label><select id="${id}"></select></div>`;

/** explorer.html. */
export function explorerPage(footer: string): string {
  return page({
    title: "Explorer: every run, in your browser",
    root: "",
    current: "explorer",
    footer,
    bodyClass: "wide",
    head: `<script type="module" src="explorer.js"></script>`,
    body: `<div class="explorer">
<aside>
  <h3>Data</h3>
  ${select("dataset", "sweep")}
  <div class="checks" role="radiogroup" aria-label="one mark per">
    <label><input type="radio" name="grain" value="config" checked> per configuration</label>
    <label><input type="radio" name="grain" value="run"> per run</label>
  </div>
  <h3>Chart</h3>
  ${select("x", "x")}
  ${select("y", "y")}
  ${select("color", "colour")}
  ${select("symbol", "symbol")}
  ${select("facet", "facet")}
  <div class="checks">
    <label><input type="checkbox" id="logx" checked> log x</label>
    <label><input type="checkbox" id="logy"> log y</label>
    <label><input type="checkbox" id="frontier" checked> frontier</label>
  </div>
  <h3>Filters</h3>
  <div id="filters" class="muted">loading…</div>
  <div id="fixed" class="fixed"></div>
</aside>
<section>
  <div class="chart-card">
    <div class="chart-head"><h1 id="chart-title">Explorer</h1><span class="status" id="status">Loading duckdb-wasm…</span></div>
    <div id="chart"></div>
    <p class="note" id="chart-note"></p>
  </div>
  <div class="panels">
    <div class="panel" id="run-panel"><h2>Run</h2><div id="run" class="muted">Click a mark to see its runs: run key, effective config, engine version and the command that reruns it.</div></div>
    <div class="panel" id="sql-panel"><h2>SQL</h2>
      <div class="row"><select id="named" aria-label="named query" style="width:auto"></select>
        <button id="run-sql">Run</button><button class="secondary" id="csv">CSV</button></div>
      <textarea id="sql" spellcheck="false" aria-label="SQL"></textarea>
      <p class="note" id="sql-note">Tables: <code>runs</code>, <code>rounds</code>, <code>sweeps</code>, <code>sweep_points</code> of the chosen sweep. The named queries are the strings <code>deno task query --named NAME --sweep ID</code> runs on the store.</p>
      <div id="sql-status" class="muted"></div>
      <div id="sql-result"></div>
    </div>
  </div>
</section>
</div>
<noscript>The explorer needs JavaScript; the <a href="index.html">results pages</a> do not.</noscript>`,
  });
}
