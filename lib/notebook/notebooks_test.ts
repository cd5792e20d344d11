import assert from "node:assert/strict";
import { join } from "node:path";
import { needTool } from "../testing/system.ts";
import {
  formatRun,
  injectParameters,
  listNotebooks,
  main,
  type Notebook,
  NotebookError,
  notebookErrors,
  outputsWith,
  parameterNames,
  parametersCell,
  resolveNotebook,
  runNotebook,
  unexecutedCells,
} from "./run.ts";

const src = (nb: Notebook, i: number) => [nb.cells[i].source].flat().join("");

function tiny(): Notebook {
  return {
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# t" },
      {
        cell_type: "code",
        metadata: { tags: ["parameters"] },
        source: ["let x = 1;\n", 'let name: string = "a";\n', "const fixed = 3;"],
        outputs: [],
        execution_count: null,
      },
      {
        cell_type: "code",
        metadata: {},
        source: 'if (x === 2) throw new Error("boom " + name);\nconsole.log(x, name, fixed);',
        outputs: [],
        execution_count: null,
      },
    ],
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

Deno.test("injectParameters: a cell after `parameters` reassigns the given names", () => {
  const nb = tiny();
  assert.deepEqual(parameterNames(nb.cells[1]), { lets: ["x", "name"], consts: ["fixed"] });
  const out = injectParameters(nb, { x: 2, name: "2MiB" });
  assert.equal(out.cells.length, 4);
  assert.equal(parametersCell(out), 1);
  assert.deepEqual(out.cells[2].metadata.tags, ["injected-parameters"]);
  assert.equal(
    src(out, 2),
    '// Parameters injected by lib/notebook/run.ts\nx = 2;\nname = "2MiB";\nvoid 0;',
  );
  assert.equal(nb.cells.length, 3, "the input is not modified");
  assert.deepEqual(injectParameters(nb, {}), nb);
  assert.throws(
    () => injectParameters(nb, { y: 1 }),
    /parameter y is not a parameter; the parameters are: x, name/,
  );
  assert.throws(() => injectParameters(nb, { fixed: 1 }), /declared with const/);
  const bare = { ...nb, cells: [nb.cells[0]] };
  assert.throws(() => injectParameters(bare, { x: 1 }), NotebookError);
});

Deno.test("notebookErrors and unexecutedCells read an executed notebook", () => {
  const nb = tiny();
  nb.cells[1].execution_count = 1;
  nb.cells[2].outputs = [{
    output_type: "error",
    ename: "Error",
    evalue: "\x1b[31mboom\x1b[0m",
    traceback: [],
  }];
  assert.deepEqual(notebookErrors(nb).map((e) => [e.cell, e.ename, e.evalue]), [[
    2,
    "Error",
    "boom",
  ]]);
  assert.deepEqual(unexecutedCells(nb), [2]);
});

/** The reading order. */
const SET = [
  "01-quickstart",
  "02-frontier",
  "03-eager-vs-lazy",
  "04-clear-batching",
  "05-device-vs-iommu",
  "06-precopy",
  "07-validation",
  "08-what-it-costs",
];

Deno.test("the stored notebooks: no outputs, a parameters cell with quick, the Deno kernel, only lib/mod.ts", async () => {
  const files = await listNotebooks();
  const names = files.map((f) => f.split("/").pop()!.replace(/\.ipynb$/, ""));
  for (const n of SET) assert.ok(names.includes(n), `notebooks/${n}.ipynb`);
  for (const f of files) {
    const nb: Notebook = JSON.parse(await Deno.readTextFile(f));
    assert.equal((nb.metadata.kernelspec as { name: string }).name, "deno", f);
    const at = parametersCell(nb);
    assert.ok(at >= 0, `${f}: a cell tagged parameters`);
    assert.ok(parameterNames(nb.cells[at]).lets.includes("quick"), `${f}: a quick parameter`);
    assert.match(src(nb, at), /^let quick = false;/m, `${f}: quick defaults to false`);
    assert.equal(nb.cells[0].cell_type, "markdown", `${f}: starts with its question`);
    const last = nb.cells[nb.cells.length - 1];
    assert.equal(last.cell_type, "code", `${f}: ends with a computed conclusion`);
    assert.match(
      src(nb, nb.cells.length - 1),
      /Deno\.jupyter\.md|markdown\(|conclusion\(/,
      `${f}: the conclusion cell prints Markdown`,
    );
    for (const [i, c] of nb.cells.entries()) {
      if (c.cell_type !== "code") continue;
      assert.deepEqual(c.outputs, [], `${f} cell ${i}: stored without outputs`);
      assert.equal(c.execution_count, null, `${f} cell ${i}: no execution count`);
      for (const m of src(nb, i).matchAll(/from\s+"([^"]+)"/g)) {
        assert.equal(m[1], "../lib/mod.ts", `${f} cell ${i}: imports only ../lib/mod.ts`);
      }
    }
  }
});

Deno.test("runNotebook: parameters are injected and a failing cell is reported", async () => {
  if (!needTool("jupyter")) return;
  const dir = await Deno.makeTempDir({ prefix: "nb-fail-" });
  try {
    const path = join(dir, "tiny.ipynb");
    await Deno.writeTextFile(path, JSON.stringify(tiny()));
    const good = await runNotebook(path, { outDir: join(dir, "out") });
    assert.ok(good.ok, JSON.stringify(good));
    const bad = await runNotebook(path, { outDir: join(dir, "out"), params: { x: 2, name: "z" } });
    assert.equal(bad.ok, false);
    assert.equal(bad.errors.length, 1);
    assert.match(bad.errors[0].evalue, /boom z/);
    assert.equal(bad.errors[0].cell, 3, "after the injected cell");
    // The source notebook is never written.
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), tiny());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveNotebook: paths, names with or without .ipynb, numbers; unknown names list the known", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nb-names-" });
  try {
    for (const n of ["01-quickstart", "03-eager-vs-lazy", "13-other"]) {
      await Deno.writeTextFile(join(dir, `${n}.ipynb`), "{}");
    }
    const want = join(dir, "03-eager-vs-lazy.ipynb");
    for (
      const arg of [
        "03-eager-vs-lazy",
        "03-eager-vs-lazy.ipynb",
        "03",
        "eager-vs-lazy",
        want,
      ]
    ) assert.equal(await resolveNotebook(arg, dir), want, arg);
    await assert.rejects(
      () => resolveNotebook("04-nope", dir),
      (e: Error) =>
        e instanceof NotebookError &&
        e.message === 'unknown notebook "04-nope"; the notebooks are: ' +
            "01-quickstart, 03-eager-vs-lazy, 13-other",
    );
    await assert.rejects(() => resolveNotebook("1", dir), NotebookError);
    // A path to an existing file is that file; `notebooks/NAME` works from the repository too.
    const real = await resolveNotebook("notebooks/03-eager-vs-lazy.ipynb");
    assert.ok(real.endsWith("/notebooks/03-eager-vs-lazy.ipynb"), real);
    assert.equal(await resolveNotebook("notebooks/03-eager-vs-lazy"), real);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main: an unknown notebook name is one line and exit code 2", async () => {
  const errors: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  try {
    assert.equal(await main(["no-such-notebook"]), 2);
    assert.equal(await main(["--frobnicate"]), 2);
  } finally {
    console.error = orig;
  }
  assert.equal(errors.length, 2);
  assert.match(
    errors[0],
    /^unknown notebook "no-such-notebook"; the notebooks are: 01-quickstart, /,
  );
  assert.ok(!errors[0].includes("\n"));
});

Deno.test("runNotebook: stops at the first failing cell and still writes the executed copy", async () => {
  if (!needTool("jupyter")) return;
  const dir = await Deno.makeTempDir({ prefix: "nb-stop-" });
  try {
    const nb = tiny();
    // Two later cells that would cascade ReferenceErrors if they ran.
    for (const source of ["console.log(fixed + 1);", "console.log(name.length);"]) {
      nb.cells.push({
        cell_type: "code",
        metadata: {},
        source,
        outputs: [],
        execution_count: null,
      });
    }
    nb.cells[2].source = 'if (x === 2) throw new Error("boom " + name);\nconst after = 1;';
    nb.cells[3].source = "console.log(after);";
    const path = join(dir, "stop.ipynb");
    await Deno.writeTextFile(path, JSON.stringify(nb));
    const bad = await runNotebook(path, { outDir: join(dir, "out"), params: { x: 2 } });
    assert.equal(bad.ok, false);
    assert.equal(bad.errors.length, 1, JSON.stringify(bad.errors));
    assert.match(bad.errors[0].evalue, /boom a/);
    assert.deepEqual(bad.unexecuted, [4, 5]);
    const report = formatRun(bad);
    assert.match(
      report,
      /stopped at cell 3 \(if \(x === 2\) throw new Error\("boom " \+ name\);\): Error: boom a/,
    );
    assert.equal(report.split("\n").length, 2, report);
    const written: Notebook = JSON.parse(await Deno.readTextFile(bad.output));
    assert.equal(notebookErrors(written).length, 1);
    assert.equal(outputsWith(written, "text/plain").length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const file of await listNotebooks()) {
  const name = file.split("/").pop()!;
  Deno.test(`notebook ${name} runs with quick = true without error and draws an SVG`, async () => {
    if (!needTool("jupyter")) return;
    const dir = await Deno.makeTempDir({ prefix: "nb-run-" });
    try {
      const nb: Notebook = JSON.parse(await Deno.readTextFile(file));
      const { lets } = parameterNames(nb.cells[parametersCell(nb)]);
      // A notebook with a results store writes to a fresh one, not the user's.
      const params = {
        quick: true,
        ...(lets.includes("store") ? { store: join(dir, "results.duckdb") } : {}),
      };
      let run = await runNotebook(file, { outDir: dir, params });
      if (run.ok && run.svgOutputs === 0) {
        // Deno 2.9.6's kernel, run headless, can publish a display after the
        // cell's idle status and nbclient then drops it (seen once in CI on a
        // cold kernel). Say so loudly and run once more; twice is a failure.
        console.error(`!!! ${name}: ran without error but no SVG reached nbclient; running again`);
        run = await runNotebook(file, { outDir: dir, params });
      }
      assert.ok(run.ok, `${name} failed:\n${run.stderr}\n${JSON.stringify(run.errors, null, 1)}`);
      assert.ok(run.svgOutputs >= 1, `${name}: no image/svg+xml output`);
      const out: Notebook = JSON.parse(await Deno.readTextFile(run.output));
      assert.equal(unexecutedCells(out).length, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("README: lists every notebook, one line each, with the command that runs it", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(
    readme.indexOf("## Notebooks"),
    readme.indexOf("\n## ", readme.indexOf("## Notebooks") + 3),
  );
  for (const f of await listNotebooks()) {
    const name = f.split("/").pop()!.replace(/\.ipynb$/, "");
    assert.match(section, new RegExp(`^- \`${name}\`: `, "m"), `README lists ${name}`);
  }
  assert.match(section, /task notebooks --quick/);
  assert.match(section, /task notebooks 03-eager-vs-lazy/);
});
