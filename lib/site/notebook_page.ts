// One executed notebook as a page of the site: its Markdown rendered, its SVG
// figures and HTML tables as the kernel produced them, its code cells folded
// behind a toggle. Each figure is handed back with the sweep ids its caption
// names, so the site can attach the figure's provenance and Parquet.

import { marked } from "marked";
import { reproduceCommand } from "../notebook/run.ts";
import { esc, prefixSvgIds } from "./html.ts";
import { DENO } from "./rerun.ts";

/** The nbformat 4 subset a page needs. */
export interface NbOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
export interface NbCell {
  cell_type: "code" | "markdown" | "raw";
  metadata?: { tags?: string[] };
  source: string | string[];
  outputs?: NbOutput[];
}
export interface Nb {
  cells: NbCell[];
  metadata?: Record<string, unknown>;
}

const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
const text = (s: unknown) => (Array.isArray(s) ? s.join("") : typeof s === "string" ? s : "");

/** Sweep ids (yyyymmdd-hhmmss-xxxx) in a text, in order of appearance, once each. */
export function sweepIdsIn(s: string): string[] {
  return [...new Set([...s.matchAll(/\b(\d{8}-\d{6}-[0-9a-f]{4})\b/g)].map((m) => m[1]))];
}

/** The notebook's title (its first heading) and first paragraph, for the index. */
export function notebookSummary(nb: Nb): { title: string; summary: string } {
  const md = nb.cells.filter((c) => c.cell_type === "markdown").map((c) => text(c.source));
  const all = md.join("\n\n");
  const title = /^#\s+(.+)$/m.exec(all)?.[1].trim() ?? "Untitled notebook";
  const first = (md[0] ?? "").split(/\n\s*\n/).map((p) => p.trim())
    .find((p) => p && !p.startsWith("#")) ?? "";
  const plain = first.replace(/\s+/g, " ").replace(/[*_`]/g, "").replace(
    /\[([^\]]+)\]\([^)]*\)/g,
    "$1",
  );
  const sentence = /^(.+?[.:])(\s|$)/.exec(plain)?.[1] ?? plain;
  return { title, summary: sentence.length > 240 ? sentence.slice(0, 239) + "…" : sentence };
}

/** The parameters (name → value) of an executed notebook's injected parameters cell. */
export function injectedParams(nb: Nb): Record<string, unknown> {
  const cell = nb.cells.find((c) => c.metadata?.tags?.includes("injected-parameters"));
  if (!cell) return {};
  // lib/notebook/run.ts writes each value as a JSON literal.
  return Object.fromEntries(
    [...text(cell.source).matchAll(/^([A-Za-z_$][\w$]*) = (.*);$/gm)].map((m) => {
      try {
        return [m[1], JSON.parse(m[2])];
      } catch {
        return [m[1], m[2]];
      }
    }),
  );
}

/**
 * The command that reruns an executed notebook with its parameters: the
 * runner's own (the one the notebook prints), through npx.
 */
export function notebookRerunCommand(path: string, nb: Nb): string {
  return reproduceCommand(path, injectedParams(nb)).replace(/^deno /, `${DENO} `);
}

/** Engine version and git commit if the notebook printed them. */
export function printedProvenance(nb: Nb): { engineVersion?: string; gitCommit?: string } {
  const all = nb.cells.flatMap((c) => c.outputs ?? []).map((o) =>
    text(o.text) + text(o.data?.["text/plain"])
  ).join("\n");
  return {
    engineVersion: /\b(\d+\.\d+\.\d+\+src\.[0-9a-f]{12})\b/.exec(all)?.[1],
    gitCommit: /\bcommit[ :=]+([0-9a-f]{7,40})\b/.exec(all)?.[1],
  };
}

export interface NotebookFigure {
  /** 1-based number on its page. */
  index: number;
  svg: string;
  /** Sweep ids its caption names. */
  sweepIds: string[];
}

export interface RenderedNotebook {
  /** The page body, with a `<!--figure:N-->` placeholder after each figure's SVG. */
  body: string;
  figures: NotebookFigure[];
  title: string;
  summary: string;
}

/** A placeholder the site replaces with figure N's provenance caption. */
export const figureSlot = (n: number) => `<!--figure-provenance:${n}-->`;

function renderOutput(o: NbOutput, figures: NotebookFigure[]): string {
  switch (o.output_type) {
    case "stream":
      return `<pre class="stream">${esc(text(o.text).replace(ANSI, ""))}</pre>`;
    case "error":
      return `<pre class="error">${esc(`${o.ename}: ${(o.evalue ?? "").replace(ANSI, "")}`)}</pre>`;
    case "display_data":
    case "execute_result": {
      const d = o.data ?? {};
      if (d["image/svg+xml"] !== undefined) {
        const svg = text(d["image/svg+xml"]);
        const n = figures.length + 1;
        figures.push({ index: n, svg, sweepIds: sweepIdsIn(svg) });
        return `<figure class="figure" id="figure-${n}"><div class="svg">${
          prefixSvgIds(svg, `f${n}`)
        }</div>${figureSlot(n)}</figure>`;
      }
      if (d["text/html"] !== undefined) {
        return `<div class="output">${text(d["text/html"])}</div>`;
      }
      if (d["text/markdown"] !== undefined) {
        return `<div class="output markdown">${
          marked.parse(text(d["text/markdown"]), { async: false })
        }</div>`;
      }
      if (typeof d["image/png"] === "string") {
        return `<img alt="" src="data:image/png;base64,${esc(text(d["image/png"]).trim())}">`;
      }
      if (d["text/plain"] !== undefined) {
        return `<pre class="stream">${esc(text(d["text/plain"]).replace(ANSI, ""))}</pre>`;
      }
      return "";
    }
    default:
      return "";
  }
}

/** Renders an executed notebook's cells as the body of a page. */
export function renderNotebook(nb: Nb): RenderedNotebook {
  const figures: NotebookFigure[] = [];
  const parts: string[] = [];
  for (const cell of nb.cells) {
    const src = text(cell.source);
    if (cell.cell_type === "markdown") {
      parts.push(`<div class="markdown">${marked.parse(src, { async: false })}</div>`);
    } else if (cell.cell_type === "code") {
      if (src.trim()) {
        const tags = cell.metadata?.tags ?? [];
        const label = tags.includes("parameters")
          ? "parameters"
          : tags.includes("injected-parameters")
          ? "injected parameters"
          : "code";
        parts.push(
          `<details class="code"><summary>${label}</summary><pre><code>${
            esc(src)
          }</code></pre></details>`,
        );
      }
      for (const o of cell.outputs ?? []) parts.push(renderOutput(o, figures));
    }
  }
  const { title, summary } = notebookSummary(nb);
  return { body: parts.join("\n"), figures, title, summary };
}
