// The frontier figure of one stored sweep, as `deno task publish` writes it
// beside the sweep's Parquet (frontier.svg) and `deno task site` draws it for
// each dataset: drawn from that sweep's own runs, its caption naming the
// sweep, its runs, engine and commit, so `deno task reproduce <figure>` finds
// the sweep from the figure alone (sweepIdsIn).

import { FRONTIER_TITLE } from "../demo/mod.ts";
import { frontierPlot } from "../notebook/mod.ts";

/** What a figure's caption says of the sweep it draws. */
export interface FigureSweep {
  id: string;
  runs: number;
  engineVersion: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

/** A commit as captions show it: its first 12 hex digits, or "unknown". */
export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 12) : "unknown";
}

/** "sweep <id> (<n> runs, engine <version>, commit <12 hex digits>[+changes])". */
export function frontierSource(s: FigureSweep): string {
  return `sweep ${s.id} (${s.runs} runs, engine ${s.engineVersion}, commit ${
    shortCommit(s.gitCommit)
  }${s.gitDirty ? "+changes" : ""})`;
}

/** The frontier figure (SVG) of `rows`, the runs of the sweep `s`. */
export function frontierFigure(
  rows: Record<string, unknown>[],
  s: FigureSweep,
  subtitle?: string,
): string {
  return frontierPlot(rows, { title: FRONTIER_TITLE, subtitle, source: frontierSource(s) });
}
