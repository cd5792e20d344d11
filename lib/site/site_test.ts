// The site without a browser: what a build writes, the commands it prints
// (the rerun command really reruns the run; reproduce agrees on the site's
// own Parquet and names the run and metric of a tampered copy), and the
// one-line errors for bad input.

import assert from "node:assert/strict";
import { join } from "node:path";
import { applyOverrides, canonicalJson, parseConfig } from "../config/mod.ts";
import { METRICS } from "../queries/mod.ts";
import { parquetTable, readParquetRows, sqlLiteral, Store } from "../store/mod.ts";
import { buildSite, SiteError } from "./build.ts";
import { renderNotebook } from "./notebook_page.ts";
import { reproduce } from "./reproduce.ts";
import { overridesFrom, rerunWithConfig, rerunWithOverrides } from "./rerun.ts";
import { tinySite } from "./testdata.ts";

const REPO = new URL("../../", import.meta.url).pathname;

async function run(args: string[], cwd = REPO) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

Deno.test("site: a build from a tiny sweep; reproduce agrees on its Parquet and catches a tampered copy", async () => {
  const t = await tinySite();
  const id = t.sweep.sweepId;
  const data = join(t.out, "data", id);
  for (const f of ["runs.parquet", "rounds.parquet", "sweep.json"]) {
    assert.ok((await Deno.stat(join(data, f))).size > 0, f);
  }
  for (const f of ["index.html", "explorer.html", "explorer.js", "style.css", "data/index.json"]) {
    assert.ok((await Deno.stat(join(t.out, f))).isFile, f);
  }
  for (const f of ["duckdb-eh.wasm", "duckdb-browser-eh.worker.js"]) {
    assert.ok((await Deno.stat(join(t.out, "duckdb", f))).size > 0, f);
  }
  // The explorer bundle loads nothing from another host.
  const js = await Deno.readTextFile(join(t.out, "explorer.js"));
  assert.doesNotMatch(js, /https?:\/\/(cdn|unpkg|esm\.sh|cdn\.jsdelivr)/);
  const index = await Deno.readTextFile(join(t.out, "index.html"));
  // The headline figure's provenance: sweep, runs, engine, the commands, the Parquet.
  assert.match(index, new RegExp(`sweep</dt><dd>${id}`));
  assert.match(index, /12 runs, 6 configurations/);
  assert.match(index, /task reproduce _site\/data\//);
  assert.match(index, new RegExp(`href="data/${id}/runs.parquet"`));
  const svg = await Deno.readTextFile(join(t.out, "figures", `${id}.svg`));
  assert.match(svg, new RegExp(`sweep ${id}`), "the figure's caption names its sweep");

  // Reproduction from the site's own Parquet: the same engine, identical numbers.
  const ok = await reproduce(data, { workers: 2 });
  assert.equal(ok.ok, true);
  assert.equal(ok.engine.same, true);
  assert.equal(ok.runs, 12);
  assert.equal(ok.differences.length, 0);
  assert.equal(ok.compared, 12 * METRICS.length);

  // A tampered copy: one metric of one run altered.
  const bad = join(t.dir, "tampered");
  await Deno.mkdir(bad);
  await Deno.copyFile(join(data, "sweep.json"), join(bad, "sweep.json"));
  const victim = String((await readParquetRows(join(data, "runs.parquet")))[3].run_key);
  const mem = await Store.open(":memory:");
  await mem.run(
    `COPY (SELECT * REPLACE (CASE WHEN run_key = ${sqlLiteral(victim)} THEN iotlbMissRate * 1.01
       ELSE iotlbMissRate END AS iotlbMissRate) FROM ${parquetTable(join(data, "runs.parquet"))})
     TO ${sqlLiteral(join(bad, "runs.parquet"))} (FORMAT parquet)`,
  );
  mem.close();
  const cli = await run(["scripts/reproduce.ts", bad, "--workers", "2"]);
  assert.equal(cli.code, 1, cli.stderr);
  assert.match(cli.stdout, new RegExp(`${victim}\\s+iotlbMissRate\\s.*MISMATCH`));
  assert.match(
    cli.stdout,
    new RegExp(`MISMATCH: 1 of ${12 * METRICS.length} .*${victim} iotlbMissRate`),
  );
  const json = await run(["scripts/reproduce.ts", bad, "--json", "--run", victim]);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(
    report.mismatches.map((m: { runKey: string; metric: string }) => [m.runKey, m.metric]),
    [[victim, "iotlbMissRate"]],
  );

  // The figure as input: its caption names the sweep, the folder beside it is checked.
  const fig = join(data, "frontier.svg");
  await Deno.copyFile(join(t.out, "figures", `${id}.svg`), fig);
  const byFigure = await reproduce(fig, { limit: 1 });
  assert.equal(byFigure.ok, true);

  // The explorer's rerun commands rebuild the run's effective config, and really rerun it.
  const defaults = parseConfig({});
  const runs = await readParquetRows(join(data, "runs.parquet"));
  for (const r of runs) {
    const config = JSON.parse(String(r.config_json));
    const args = overridesFrom(config, defaults).map((a) =>
      a.startsWith("'") ? a.slice(1, -1).replaceAll(`'\\''`, "'") : a
    );
    assert.equal(canonicalJson(parseConfig(applyOverrides({}, args))), canonicalJson(config));
  }
  const one = runs[runs.length - 1];
  const config = JSON.parse(String(one.config_json));
  for (const cmd of [rerunWithConfig(config), rerunWithOverrides(config, defaults)]) {
    const local = cmd.replace(
      "npx -y deno@2.9.6 task sim",
      `${Deno.execPath()} run -A scripts/sim.ts`,
    );
    const r = await new Deno.Command("bash", {
      args: ["-c", `${local} --json`],
      cwd: REPO,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const result = JSON.parse(new TextDecoder().decode(r.stdout));
    for (const m of METRICS) assert.equal(result.summary[m], one[m], `${cmd}: ${m}`);
  }

  // deno task query --named runs the same string on the store.
  const q = await run([
    "scripts/query.ts",
    "--named",
    "frontier",
    "--sweep",
    id,
    "--json",
    "--store",
    t.store,
  ]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(JSON.parse(q.stdout).length, 6);
  const unknown = await run(["scripts/query.ts", "--named", "nope", "--store", t.store]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no query named "nope" \(known: frontier, /);
  await Deno.remove(t.dir, { recursive: true });
});

Deno.test("site: nothing to build from is one line naming the commands, exit 2; bad reproduce input exit 2", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    () =>
      buildSite({
        outDir: join(dir, "_site"),
        store: join(dir, "none.duckdb"),
        notebooksDir: join(dir, "none"),
      }),
    (e: Error) => e instanceof SiteError && /task demo.*task notebooks/.test(e.message),
  );
  const cli = await run([
    "scripts/site.ts",
    "--out",
    join(dir, "_site"),
    "--store",
    join(dir, "none.duckdb"),
    "--notebooks",
    join(dir, "none"),
  ]);
  assert.equal(cli.code, 2);
  assert.equal(cli.stderr.trim().split("\n").length, 1, cli.stderr);
  assert.match(cli.stderr, /^site: nothing to build: .*npx -y deno@2\.9\.6 task demo/);
  for (const target of [join(dir, "missing"), "no-such-sweep-id", join(dir)]) {
    const r = await run(["scripts/reproduce.ts", target, "--store", join(dir, "none.duckdb")]);
    assert.equal(r.code, 2, `${target}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^reproduce: /);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("site: a notebook page renders Markdown, folds code, keeps figures and tables", () => {
  const nb = {
    cells: [
      { cell_type: "markdown" as const, source: ["# A title\n", "\n", "First *point*. More."] },
      {
        cell_type: "code" as const,
        source: "let x = 1;",
        metadata: { tags: ["parameters"] },
        outputs: [{ output_type: "stream", name: "stdout", text: "hello <b>\n" }],
      },
      {
        cell_type: "code" as const,
        source: "show(fig)",
        outputs: [
          {
            output_type: "display_data",
            data: {
              "image/svg+xml":
                '<svg><defs><clipPath id="c"></clipPath></defs><g clip-path="url(#c)"/><text>sweep 20261201-081654-75bc</text></svg>',
            },
          },
          {
            output_type: "display_data",
            data: { "text/html": "<table><tr><td>1</td></tr></table>" },
          },
        ],
      },
    ],
  };
  const r = renderNotebook(nb);
  assert.equal(r.title, "A title");
  assert.equal(r.summary, "First point.");
  assert.match(r.body, /<h1[^>]*>A title<\/h1>/);
  assert.match(r.body, /<details class="code"><summary>parameters<\/summary><pre><code>let x = 1;/);
  assert.match(r.body, /hello &lt;b&gt;/);
  assert.match(r.body, /<table><tr><td>1<\/td><\/tr><\/table>/);
  assert.equal(r.figures.length, 1);
  assert.deepEqual(r.figures[0].sweepIds, ["20261201-081654-75bc"]);
  // Inline SVG ids are namespaced per figure.
  assert.match(r.body, /id="f1-c"/);
  assert.match(r.body, /url\(#f1-c\)/);
});
