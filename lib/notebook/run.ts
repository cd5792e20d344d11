// Executes notebooks headless with the Deno Jupyter kernel, papermill-style:
// the cell tagged `parameters` holds `let` defaults and an injected cell after
// it reassigns them; execution stops at the first cell that fails, and the
// executed copy, with that error in place, is still written. nbclient (the
// library under nbconvert and papermill) drives the kernel from a few lines
// of Python run by Jupyter's own interpreter; the kernel starts in the source
// notebook's directory, so its `../lib/mod.ts` imports resolve and Deno finds
// the repository's deno.json (import map) by walking up. The source file is
// never written.
//
//   deno task notebooks [--quick] [--out DIR] [--param name=value ...] [name ...]

import { basename, dirname, join, resolve } from "node:path";
import { NOTEBOOK_COMMAND_ENV } from "./provenance.ts";

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
  /**
   * The command that reproduces this run, passed to the kernel as
   * NOTEBOOK_COMMAND for figure captions (default: `deno task notebooks NAME`
   * with the parameters given).
   */
  command?: string;
}

export interface NotebookRun {
  notebook: string;
  /** The executed copy (written also when a cell failed, with the error in place). */
  output: string;
  ok: boolean;
  /** The error outputs: at most one, since execution stops at the first failing cell. */
  errors: CellError[];
  svgOutputs: number;
  /** Code cells not executed (those after a failing cell). */
  unexecuted: number[];
  durationMs: number;
  /** What the driver said when the kernel died or a cell timed out. */
  stderr: string;
}

const REPO = resolve(dirname(new URL(import.meta.url).pathname), "../..");
export const NOTEBOOKS_DIR = join(REPO, "notebooks");
export const DEFAULT_OUT_DIR = join(REPO, "data", "notebooks");

/** Every .ipynb in notebooks/, sorted (the reading order: names start with a number). */
export async function listNotebooks(dir = NOTEBOOKS_DIR): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) out.push(join(dir, e.name));
  }
  return out.sort();
}

const stem = (path: string) => basename(path).replace(/\.ipynb$/, "");

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The notebook a command-line argument names: a path to an .ipynb file (from
 * the directory `deno task` was started in, or the current one), or a name in
 * notebooks/ with or without `notebooks/` and `.ipynb`: `03-eager-vs-lazy`,
 * its number `03` or its name without the number, `eager-vs-lazy`. An unknown
 * or ambiguous name is a NotebookError listing the known ones.
 */
export async function resolveNotebook(arg: string, dir = NOTEBOOKS_DIR): Promise<string> {
  const bases = [Deno.env.get("INIT_CWD"), Deno.cwd()].filter((d): d is string => Boolean(d));
  for (const base of bases) {
    const p = resolve(base, arg);
    if (p.endsWith(".ipynb") && isFile(p)) return p;
  }
  const known = await listNotebooks(dir);
  const name = stem(arg.replace(/^(\.\/)?notebooks\//, ""));
  const by = (match: (s: string) => boolean) => known.filter((f) => match(stem(f)));
  for (
    const found of [
      by((s) => s === name),
      by((s) => s.replace(/^\d+-/, "") === name),
      /^\d+$/.test(name) ? by((s) => s.startsWith(`${name}-`)) : [],
    ]
  ) {
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      throw new NotebookError(
        `notebook "${arg}" is ambiguous: ${found.map(stem).join(", ")}`,
      );
    }
  }
  throw new NotebookError(
    `unknown notebook "${arg}"; the notebooks are: ${known.map(stem).join(", ")}`,
  );
}

// nbclient's NotebookClient, as papermill uses it: execute() raises at the
// first cell whose output is an error, after that output has been recorded,
// so the notebook written out holds every cell run so far and the error.
const DRIVER = `
import sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
cwd, timeout, kernel = sys.argv[1], int(sys.argv[2]), sys.argv[3]
nb = nbformat.reads(sys.stdin.read(), as_version=4)
client = NotebookClient(nb, timeout=None if timeout < 0 else timeout, kernel_name=kernel,
                        allow_errors=False, resources={"metadata": {"path": cwd}})
status = 0
try:
    client.execute()
except CellExecutionError:
    pass  # the error is in the notebook, where the report finds it
except (CellTimeoutError, DeadKernelError) as e:
    sys.stderr.write(f"{type(e).__name__}: {e}\\n")
    status = 3
sys.stdout.write(nbformat.writes(nb))
sys.exit(status)
`;

/** The Python that runs `jupyter` (its shebang): nbclient is installed for that one. */
export function jupyterPython(): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    const path = join(dir || ".", "jupyter");
    if (!isFile(path)) continue;
    try {
      const first = Deno.readTextFileSync(path).split("\n", 1)[0];
      const m = first.match(/^#!\s*(\S+)(?:\s+(\S+))?/);
      if (!m) break;
      return m[1].endsWith("/env") && m[2] ? m[2] : m[1];
    } catch {
      break;
    }
  }
  return "python3";
}

/** A word as the shell reads it back: quoted when it holds anything but safe characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * `deno task notebooks NAME [--quick] [--param name=value ...]`: the command
 * that runs `path` with `params` again (quick = true becomes --quick).
 */
export function reproduceCommand(path: string, params: Record<string, unknown>): string {
  const words = ["deno", "task", "notebooks", stem(path)];
  for (const [k, v] of Object.entries(params)) {
    if (k === "quick" && v === true) words.push("--quick");
    else {
      // A bare string only where --param would read it back as that string.
      const bare = typeof v === "string" && parseParam(`${k}=${v}`)[1] === v;
      words.push("--param", shellWord(`${k}=${bare ? v : JSON.stringify(v)}`));
    }
  }
  return words.join(" ");
}

/** Executes one notebook into `outDir`, stopping at the first failing cell. */
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
  const cmd = new Deno.Command(jupyterPython(), {
    args: [
      "-c",
      DRIVER,
      dirname(src),
      String(options.timeoutSec ?? 600),
      options.kernel ?? "deno",
    ],
    cwd: dirname(src),
    env: {
      [NOTEBOOK_COMMAND_ENV]: options.command ?? reproduceCommand(src, options.params ?? {}),
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  let child: Deno.ChildProcess;
  try {
    child = cmd.spawn();
  } catch (e) {
    throw new NotebookError(`cannot start Jupyter's Python (${e}); install Jupyter and nbclient`);
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(nb)));
  await writer.close();
  const res = await child.output();
  const stderr = new TextDecoder().decode(res.stderr);
  const stdout = new TextDecoder().decode(res.stdout);
  const durationMs = performance.now() - t0;
  let done: Notebook | null = null;
  try {
    done = stdout.trim() ? JSON.parse(stdout) : null;
  } catch { /* the driver died before writing: report its stderr */ }
  const tail = (s: string) => s.trim().split("\n").slice(-25).join("\n");
  if (!done) {
    return {
      notebook: src,
      output,
      ok: false,
      errors: [],
      svgOutputs: 0,
      unexecuted: [],
      durationMs,
      stderr: tail(stderr) || `the driver exited with code ${res.code}`,
    };
  }
  await Deno.writeTextFile(output, JSON.stringify(done, null, 1) + "\n");
  const errors = notebookErrors(done);
  const unexecuted = unexecutedCells(done);
  return {
    notebook: src,
    output,
    ok: res.success && errors.length === 0 && unexecuted.length === 0,
    errors,
    svgOutputs: outputsWith(done, "image/svg+xml").length,
    unexecuted,
    durationMs,
    stderr: res.success ? "" : tail(stderr),
  };
}

/** The cell's first line that is not blank, a comment or part of an import, to name it by. */
function firstLine(source: string): string {
  const code = source.replace(/^\s*import\b[\s\S]*?\bfrom\s+["'][^"']*["'];?/gm, "");
  const line = code.split("\n").map((l) => l.trim()).find((l) => l && !l.startsWith("//")) ??
    "";
  return line.length > 72 ? line.slice(0, 71) + "…" : line;
}

const shortPath = (p: string) => {
  const rel = p.startsWith(REPO + "/") ? p.slice(REPO.length + 1) : p;
  return rel;
};

/** One line per notebook (status, time, SVG outputs, output file); a failure adds its cell and error. */
export function formatRun(r: NotebookRun): string {
  const svgs = `${r.svgOutputs} SVG output${r.svgOutputs === 1 ? "" : "s"}`;
  const lines = [
    `${r.ok ? "ok  " : "FAIL"} ${stem(r.notebook).padEnd(20)} ${
      (r.durationMs / 1000).toFixed(1).padStart(6)
    } s  ${svgs} → ${shortPath(r.output)}`,
  ];
  const e = r.errors[0];
  if (e) {
    lines.push(`  stopped at cell ${e.cell} (${firstLine(e.source)}): ${e.ename}: ${e.evalue}`);
  }
  if (r.stderr) lines.push(...r.stderr.split("\n").map((l) => `  ${l}`));
  if (!e && !r.stderr && r.unexecuted.length) {
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

const USAGE =
  "usage: deno task notebooks [--quick] [--out DIR] [--param name=value ...] [name ...]\n" +
  "Executes the notebooks (default: every notebooks/*.ipynb, in order) with the Deno kernel,\n" +
  "stopping each at its first failing cell, into DIR (default data/notebooks/). A name is\n" +
  "a notebook's file name with or without .ipynb (03-eager-vs-lazy), its number (03), or\n" +
  "a path. --quick sets every notebook's `quick` parameter (smaller sweeps); --param values\n" +
  "are JSON or bare strings.";

/** The command line; returns the exit code (0 ok, 1 a notebook failed, 2 bad arguments). */
export async function main(args: string[]): Promise<number> {
  let outDir: string | undefined;
  let quick = false;
  const params: Record<string, unknown> = {};
  const names: string[] = [];
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === "--out") outDir = args[++i];
      else if (a === "--quick") quick = true;
      else if (a === "--param") {
        const [k, v] = parseParam(args[++i] ?? "");
        params[k] = v;
      } else if (a === "-h" || a === "--help") {
        console.log(USAGE);
        return 0;
      } else if (a.startsWith("--")) {
        throw new NotebookError(`unknown option ${a} (see --help)`);
      } else names.push(a);
    }
    if (outDir === undefined && args.includes("--out")) {
      throw new NotebookError("--out expects a directory");
    }
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    console.error(e.message);
    return 2;
  }
  let list: string[];
  try {
    list = names.length
      ? await Promise.all(names.map((n) => resolveNotebook(n)))
      : await listNotebooks();
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    console.error(e.message);
    return 2;
  }
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
  const t0 = performance.now();
  for (const f of list) {
    const own = Object.fromEntries(
      Object.entries(params).filter(([k]) => declared.get(f)!.includes(k)),
    );
    if (quick) {
      if (declared.get(f)!.includes("quick")) own.quick = true;
      else console.error(`note: ${basename(f)} has no quick parameter; running it in full`);
    }
    try {
      const r = await runNotebook(f, { outDir, params: own });
      console.log(formatRun(r));
      if (!r.ok) failed++;
    } catch (e) {
      console.error(`FAIL ${stem(f)}: ${e instanceof Error ? e.message : e}`);
      failed++;
    }
  }
  const total = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `${list.length - failed}/${list.length} notebooks ran without error in ${total} s` +
      (quick ? " (--quick)" : ""),
  );
  return failed ? 1 : 0;
}
