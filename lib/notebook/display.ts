// Rich output for the Deno Jupyter kernel: an object with a
// [Symbol.for("Jupyter.display")]() method is shown by its MIME bundle, so
// figures show as image/svg+xml and tables as HTML. progress() updates one
// output in place while a sweep runs (a display_id, then update_display_data),
// or prints plain lines when not in a kernel (scripts, logs).

import { formatEta } from "../units/mod.ts";
import { escapeXml } from "./svg.ts";
import { type RowsInput, toRows } from "./rows.ts";

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export type MimeBundle = Record<string, string>;

/** What Deno's Jupyter kernel renders by its MIME bundle. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}

/**
 * A MIME bundle the kernel shows as a cell's last value, or now with
 * `await x.display()`. Prefer display(): Deno's kernel shows no last value for
 * a cell with top-level await, and run headless (nbconvert) it sometimes
 * publishes the last value after the cell's idle status, which nbclient drops
 * (seen with Deno 2.9.6 about one run in ten); an awaited display is sent
 * before the cell ends.
 */
export interface Shown extends Displayable {
  bundle: MimeBundle;
  /** Sends the bundle as display_data in a kernel; prints its text/plain elsewhere. */
  display(): Promise<void>;
}

/** How long display() waits after sending, so iopub carries it before the cell ends. */
const DISPLAY_SETTLE_MS = 100;

function displayable(bundle: MimeBundle): Shown {
  return {
    bundle,
    [JUPYTER_DISPLAY]: () => bundle,
    display: async () => {
      const api = jupyterApi();
      if (!api) return console.log(bundle["text/plain"] ?? "");
      await api.display(bundle, { raw: true });
      // The awaited display can still reach iopub after the cell's idle
      // status when the kernel is cold (seen once in CI on a fresh kernel
      // install, the SVG then missing): let the message go out first.
      await new Promise((resolve) => setTimeout(resolve, DISPLAY_SETTLE_MS));
    },
  };
}

/**
 * A figure for the notebook: an SVG string (frontierPlot, roundsPlot) is
 * shown as image/svg+xml; an element (e.g. Plot.plot's result) by its markup,
 * as SVG if it is an <svg>, else as HTML.
 */
export function show(figure: string | { outerHTML: string }): Shown {
  const markup = typeof figure === "string" ? figure : figure?.outerHTML;
  if (typeof markup !== "string" || markup.trim() === "") {
    throw new TypeError("show: expected an SVG string or an element with outerHTML");
  }
  const isSvg = /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(markup);
  const plain = isSvg ? "[SVG figure]" : "[HTML figure]";
  return displayable(
    isSvg ? { "image/svg+xml": markup, "text/plain": plain } : {
      "text/html": markup,
      "text/plain": plain,
    },
  );
}

/**
 * Markdown for the notebook (text/markdown, with the text as text/plain):
 * a conclusion computed from the run, shown as prose. Same as
 * `Deno.jupyter.md`, but also prints when not in a kernel.
 */
export function markdown(text: string): Shown {
  if (typeof text !== "string") throw new TypeError("markdown: expected a string");
  return displayable({ "text/markdown": text, "text/plain": text });
}

export interface TableOptions {
  /** Rows shown (default 50); the rest are counted. */
  limit?: number;
  /** Columns to show, in order (default: all, in first-seen order). */
  columns?: string[];
  /** Significant digits for non-integers (default 4). */
  digits?: number;
}

function cell(v: unknown, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    return Number.isInteger(v)
      ? String(v)
      : Number.isFinite(v)
      ? String(+v.toPrecision(digits))
      : String(v);
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Rows (plain objects or an Arquero table) as an HTML table, with a text fallback. */
export function table(
  rows: RowsInput,
  options: TableOptions = {},
): Shown {
  const all = toRows(rows);
  const limit = options.limit ?? 50;
  const digits = options.digits ?? 4;
  const columns = options.columns ?? [...new Set(all.flatMap((r) => Object.keys(r)))];
  const shown = all.slice(0, limit);
  const body = shown.map((r) => columns.map((c) => cell(r[c], digits)));
  const more = all.length > shown.length ? `${all.length - shown.length} more rows` : "";
  const numeric = columns.map((c) => shown.every((r) => typeof r[c] === "number" || r[c] == null));
  const html = [
    "<table>",
    `<thead><tr>${columns.map((c) => `<th>${escapeXml(c)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...body.map((cells) =>
      `<tr>${
        cells.map((v, i) =>
          `<td${numeric[i] ? ' style="text-align:right"' : ""}>${escapeXml(v)}</td>`
        )
          .join("")
      }</tr>`
    ),
    "</tbody></table>",
    more ? `<p>${more}</p>` : "",
  ].join("");
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    cells.map((v, i) => numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])).join("  ")
      .trimEnd();
  const text = [line(columns), ...body.map(line), ...(more ? [more] : [])].join("\n");
  return displayable({ "text/html": html, "text/plain": text });
}

// --- live progress -----------------------------------------------------------

/** What a progress display shows; the sweep's ProgressInfo fits this shape. */
export interface ProgressState {
  done: number;
  total: number;
  reused?: number;
  failed?: number;
  runsPerSec?: number;
  etaSec?: number | null;
  /** Free text shown after the counts (e.g. the current point). */
  detail?: string;
}

export interface LiveProgress {
  /** Shows `state` (calls closer than the interval are coalesced). Usable as a sweep's `progress` callback. */
  (state: ProgressState): void;
  /** Shows the last state now and waits for the display to be sent. */
  finish(detail?: string): Promise<void>;
}

export interface ProgressOptions {
  /** Minimum ms between updates (default 250 in a kernel, 2000 as text). */
  intervalMs?: number;
  /** Where text lines go when not in a kernel (default console.log). */
  write?: (line: string) => void;
  /** Force kernel (true) or text (false) mode; default: detected. */
  kernel?: boolean;
}

interface JupyterApi {
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<void>;
}

/** Deno.jupyter when running inside `deno jupyter`; its getter throws elsewhere. */
export function jupyterApi(): JupyterApi | null {
  try {
    const api = (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
    return api && typeof api.display === "function" ? api : null;
  } catch {
    return null;
  }
}

/** ", ETA 1m15s", or nothing when the time left is unknown. */
function etaText(sec: number | null | undefined): string {
  return sec === null || sec === undefined || !Number.isFinite(sec)
    ? ""
    : `, ETA ${formatEta(sec)}`;
}

/** "label: 12/27 (3 stored, 1 failed), 2.1 runs/s, ETA 5s — detail". */
export function progressText(label: string, p: ProgressState): string {
  const notes = [p.reused ? `${p.reused} stored` : "", p.failed ? `${p.failed} failed` : ""]
    .filter(Boolean);
  return `${label}: ${p.done}/${p.total}` + (notes.length ? ` (${notes.join(", ")})` : "") +
    (p.runsPerSec ? `, ${p.runsPerSec.toFixed(p.runsPerSec < 10 ? 2 : 1)} runs/s` : "") +
    (p.done < p.total ? etaText(p.etaSec) : ", done") + (p.detail ? ` — ${p.detail}` : "");
}

function progressHtml(label: string, p: ProgressState): string {
  return `<div><progress value="${p.done}" max="${
    Math.max(1, p.total)
  }" style="width:20em"></progress> ` +
    `<code>${escapeXml(progressText(label, p))}</code></div>`;
}

let displayCounter = 0;

/**
 * A live progress view: pass it as `sweep(spec, { progress: progress("sweep") })`
 * or call it with `{ done, total }` from any loop; `await p.finish()` at the end.
 * In a Jupyter kernel one output cell line updates in place; elsewhere a text
 * line is printed at most every interval and at completion.
 */
export function progress(label = "progress", options: ProgressOptions = {}): LiveProgress {
  const api = options.kernel === false ? null : jupyterApi();
  if (options.kernel === true && !api) throw new Error("progress: not running in a Jupyter kernel");
  const interval = options.intervalMs ?? (api ? 250 : 2000);
  const write = options.write ?? ((line: string) => console.log(line));
  const id = `progress-${Date.now().toString(36)}-${++displayCounter}`;
  let last: ProgressState = { done: 0, total: 0 };
  let shownAt = -Infinity;
  let shown: ProgressState | null = null;
  let chain: Promise<void> = Promise.resolve();

  const emit = () => {
    const state = { ...last };
    const first = shown === null;
    shown = state;
    shownAt = performance.now();
    if (api) {
      const bundle = {
        "text/plain": progressText(label, state),
        "text/html": progressHtml(label, state),
      };
      chain = chain.then(() => api.display(bundle, { raw: true, display_id: id, update: !first }))
        .catch((e) => console.error(`progress display failed: ${e}`));
    } else write(progressText(label, state));
  };

  const update = ((state: ProgressState) => {
    last = { ...state };
    const complete = state.total > 0 && state.done >= state.total;
    if (complete || performance.now() - shownAt >= interval) emit();
  }) as LiveProgress;
  update.finish = async (detail?: string) => {
    if (detail !== undefined) last = { ...last, detail };
    if (shown === null || JSON.stringify(shown) !== JSON.stringify(last)) emit();
    await chain;
  };
  return update;
}
