// Executes notebooks headless with the Deno Jupyter kernel, papermill-style:
// the cell tagged `parameters` holds `let` defaults and an injected cell after
// it reassigns them. nbconvert reads the notebook from stdin, so the kernel
// starts in the process's cwd, set to the source notebook's directory: its
// `../lib/mod.ts` imports resolve and Deno finds the repository's deno.json
// (import map) by walking up. The executed copy goes to an output directory;
// the source file is never written.
//
//   deno task notebooks [--out DIR] [--param name=value ...] [notebook.ipynb ...]

import { basename, dirname, join, resolve } from "node:path";

/** The nbformat 4 subset used here. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  metadata: { tags?: string[]; [k: string]: unknown };
  source: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error" | "update_display_data";
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[] | object>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export class NotebookError extends Error {}

// ANSI colour codes, which the Deno kernel puts in error values.
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

const text = (s: string | string[] | undefined) => Array.isArray(s) ? s.join("") : s ?? "";

/** Source lines in nbformat's style: each line keeps its newline but the last. */
export function sourceLines(src: string): string[] {
  return src.split(/(?<=\n)/);
}

/** The names declared by `let` (or `const`, which cannot be injected) in the parameters cell. */
export function parameterNames(cell: NotebookCell): { lets: string[]; consts: string[] } {
  const src = text(cell.source);
  const names = (kw: string) =>
    [...src.matchAll(new RegExp(`^\\s*${kw}\\s+([A-Za-z_$][\\w$]*)`, "gm"))].map((m) => m[1]);
  return { lets: names("let"), consts: names("const") };
}

/** Index of the cell tagged `parameters`, or -1. */
export function parametersCell(nb: Notebook): number {
  return nb.cells.findIndex((c) =>
    c.cell_type === "code" && c.metadata?.tags?.includes("parameters")
  );
}

/**
 * A copy of `nb` with a cell after the `parameters` cell that reassigns the
 * given parameters (values as JSON literals, which TypeScript reads). A name
 * not declared with `let` there is an error that lists the declared ones.
 */
export function injectParameters(nb: Notebook, params: Record<string, unknown>): Notebook {
  const names = Object.keys(params);
  const copy: Notebook = structuredClone(nb);
  if (names.length === 0) return copy;
  const at = parametersCell(copy);
  if (at < 0) {
    throw new NotebookError("the notebook has no cell tagged `parameters` to inject into");
  }
  const { lets, consts } = parameterNames(copy.cells[at]);
  for (const name of names) {
    if (!lets.includes(name)) {
      const why = consts.includes(name) ? "is declared with const, not let" : "is not a parameter";
      throw new NotebookError(`parameter ${name} ${why}; the parameters are: ${lets.join(", ")}`);
    }
  }
  const lines = names.map((n) => {
    const json = JSON.stringify(params[n]);
    if (json === undefined) throw new NotebookError(`parameter ${n}: value is not JSON`);
    return `${n} = ${json};\n`;
  });
  copy.cells.splice(at + 1, 0, {
    cell_type: "code",
    id: "injected-parameters",
    metadata: { tags: ["injected-parameters"] },
    // `void 0` keeps the kernel from echoing the last assignment's value.
    source: sourceLines(
      "// Parameters injected by lib/notebook/run.ts\n" + lines.join("") + "void 0;",
    ),
    outputs: [],
    execution_count: null,
  });
  return copy;
}

export interface CellError {
  /** Index of the cell in the executed notebook. */
  cell: number;
  ename: string;
  evalue: string;
  /** The cell's source, for the report. */
  source: string;
}

/** Every error output of an executed notebook. */
export function notebookErrors(nb: Notebook): CellError[] {
  return nb.cells.flatMap((c, i) =>
    (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => ({
      cell: i,
      ename: o.ename ?? "Error",
      evalue: (o.evalue ?? "").replace(ANSI, ""),
      source: text(c.source),
    }))
  );
}

/** Outputs carrying a MIME type (e.g. "image/svg+xml"). */
export function outputsWith(nb: Notebook, mime: string): NotebookOutput[] {
  return nb.cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.data && mime in o.data));
}

/** Code cells the kernel did not execute (no execution_count). */
export function unexecutedCells(nb: Notebook): number[] {
  return nb.cells.flatMap((c, i) =>
    c.cell_type === "code" && (c.execution_count === null || c.execution_count === undefined) &&
      text(c.source).trim() !== ""
      ? [i]
      : []
  );
}

export interface RunNotebookOptions {
  /** Parameter values to inject (names must be `let` in the parameters cell). */
  params?: Record<string, unknown>;
  /** Where the executed notebook is written (default data/notebooks under the repository). */
  outDir?: string;
  /** Seconds a cell may run (default 600). */
  timeoutSec?: number;
  /** Kernel name (default "deno"). */
  kernel?: string;
}

export interface NotebookRun {
  notebook: string;
  /** The executed copy. */
  output: string;
  ok: boolean;
  errors: CellError[];
  svgOutputs: number;
  unexecuted: number[];
  durationMs: number;
  /** nbconvert's stderr when it failed (kernel died, timeout). */
  stderr: string;
}

const REPO = resolve(dirname(new URL(import.meta.url).pathname), "../..");
export const NOTEBOOKS_DIR = join(REPO, "notebooks");
export const DEFAULT_OUT_DIR = join(REPO, "data", "notebooks");

/** Every .ipynb in notebooks/, sorted. */
export async function listNotebooks(dir = NOTEBOOKS_DIR): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** Executes one notebook into `outDir` and reports errors, SVG outputs and cells not run. */
export async function runNotebook(
  path: string,
  options: RunNotebookOptions = {},
): Promise<NotebookRun> {
  const t0 = performance.now();
  const src = resolve(path);
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const output = join(outDir, basename(src));
  if (output === src) throw new NotebookError(`refusing to overwrite the source notebook ${src}`);
  await Deno.mkdir(outDir, { recursive: true });
  const nb = injectParameters(JSON.parse(await Deno.readTextFile(src)), options.params ?? {});
  const cmd = new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--stdin",
      "--stdout",
      "--allow-errors",
      `--ExecutePreprocessor.timeout=${options.timeoutSec ?? 600}`,
      `--ExecutePreprocessor.kernel_name=${options.kernel ?? "deno"}`,
    ],
    cwd: dirname(src),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  let child: Deno.ChildProcess;
  try {
    child = cmd.spawn();
  } catch (e) {
    throw new NotebookError(
      `cannot start jupyter nbconvert (${e}); install Jupyter and the Deno kernel`,
    );
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(nb)));
  await writer.close();
  const res = await child.output();
  const stderr = new TextDecoder().decode(res.stderr);
  const durationMs = performance.now() - t0;
  if (!res.success) {
    return {
      notebook: src,
      output,
      ok: false,
      errors: [],
      svgOutputs: 0,
      unexecuted: [],
      durationMs,
      stderr: stderr.split("\n").slice(-25).join("\n"),
    };
  }
  const done: Notebook = JSON.parse(new TextDecoder().decode(res.stdout));
  await Deno.writeTextFile(output, JSON.stringify(done, null, 1) + "\n");
  const errors = notebookErrors(done);
  const unexecuted = unexecutedCells(done);
  return {
    notebook: src,
    output,
    ok: errors.length === 0 && unexecuted.length === 0,
    errors,
    svgOutputs: outputsWith(done, "image/svg+xml").length,
    unexecuted,
    durationMs,
    stderr: "",
  };
}

/** A readable report of one run: the failing cell's source and the error. */
export function formatRun(r: NotebookRun): string {
  const head =
    `${r.ok ? "ok  " : "FAIL"} ${basename(r.notebook)} (${(r.durationMs / 1000).toFixed(1)} s, ` +
    `${r.svgOutputs} SVG output${r.svgOutputs === 1 ? "" : "s"}) → ${r.output}`;
  const lines = [head];
  if (r.stderr) lines.push("  nbconvert failed:", ...r.stderr.split("\n").map((l) => `    ${l}`));
  for (const e of r.errors) {
    lines.push(`  cell ${e.cell}: ${e.ename}: ${e.evalue}`);
    lines.push(...e.source.split("\n").slice(0, 12).map((l) => `    | ${l}`));
  }
  if (r.unexecuted.length && !r.stderr) {
    lines.push(`  cells not executed: ${r.unexecuted.join(", ")}`);
  }
  return lines.join("\n");
}

function parseParam(arg: string): [string, unknown] {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new NotebookError(`--param expects name=value, got ${arg}`);
  const raw = arg.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw); // numbers, booleans, arrays, quoted strings
  } catch {
    value = raw; // bare text: a string ("2MiB")
  }
  return [arg.slice(0, eq), value];
}

export async function main(args: string[]): Promise<number> {
  let outDir: string | undefined;
  const params: Record<string, unknown> = {};
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--out") outDir = args[++i];
    else if (a === "--param") {
      const [k, v] = parseParam(args[++i] ?? "");
      params[k] = v;
    } else if (a === "-h" || a === "--help") {
      console.log(
        "usage: deno task notebooks [--out DIR] [--param name=value ...] [notebook.ipynb ...]\n" +
          "Executes the notebooks (default: every notebooks/*.ipynb) with the Deno kernel into DIR\n" +
          `(default ${DEFAULT_OUT_DIR}); --param values are JSON or bare strings.`,
      );
      return 0;
    } else files.push(a);
  }
  const list = files.length ? files : await listNotebooks();
  // Each notebook gets the parameters it declares; a name no notebook
  // declares is an error before anything runs.
  const declared = new Map<string, string[]>();
  for (const f of list) {
    const nb: Notebook = JSON.parse(await Deno.readTextFile(f));
    const at = parametersCell(nb);
    declared.set(f, at < 0 ? [] : parameterNames(nb.cells[at]).lets);
  }
  for (const name of Object.keys(params)) {
    if (![...declared.values()].some((lets) => lets.includes(name))) {
      const known = [...declared].map(([f, lets]) => `${basename(f)}: ${lets.join(", ")}`);
      console.error(
        `--param ${name}: no notebook declares it. Parameters:\n  ${known.join("\n  ")}`,
      );
      return 2;
    }
  }
  let failed = 0;
  for (const f of list) {
    try {
      const own = Object.fromEntries(
        Object.entries(params).filter(([k]) => declared.get(f)!.includes(k)),
      );
      const r = await runNotebook(f, { outDir, params: own });
      console.log(formatRun(r));
      if (!r.ok) failed++;
    } catch (e) {
      console.error(`FAIL ${f}: ${e instanceof Error ? e.message : e}`);
      failed++;
    }
  }
  console.log(`${list.length - failed}/${list.length} notebooks ran without error`);
  return failed ? 1 : 0;
}
