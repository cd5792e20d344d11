// Provenance captions: every figure a notebook draws names the data it drew
// (the sweep id and run count, or the simulate() calls), the engine version
// that computed it, and the one command that reproduces it. The caption is
// built from the sweep result whose rows are drawn, and checks that they are
// that sweep's rows: a figure can never name another sweep than its data's
// (the published frontier.svg once named a later, fully reused sweep).

import { type RowsInput, toRows } from "./rows.ts";

/** What a caption needs of a SweepResult (lib/sweep), without importing the sweep layer. */
export interface SweptData {
  sweepId: string;
  plan: { engineVersion: string; points: readonly { runKey: string }[] };
}

/** The environment variable the notebook runner sets to the command it runs a notebook with. */
export const NOTEBOOK_COMMAND_ENV = "NOTEBOOK_COMMAND";

/**
 * The command that reproduces this notebook's run: the one the runner used
 * (`deno task notebooks 03-eager-vs-lazy --quick --param ...`, passed in
 * NOTEBOOK_COMMAND) or, run interactively, `deno task notebooks NAME`, with
 * `--quick` when the notebook's quick parameter is on.
 */
export function notebookCommand(name: string, options: { quick?: boolean } = {}): string {
  let fromRunner: string | undefined;
  try {
    fromRunner = Deno.env.get(NOTEBOOK_COMMAND_ENV);
  } catch { /* no env permission: fall back */ }
  if (fromRunner && fromRunner.includes(` ${name}`)) return fromRunner;
  return `deno task notebooks ${name}${options.quick ? " --quick" : ""}`;
}

/**
 * "sweep 20261126-…-ab12 (27 runs), engine 0.1.0+src.…; reproduce: deno task
 * notebooks 03-eager-vs-lazy". `rows` are the rows the figure draws: each must
 * carry a run_key of this sweep (else this throws), and the run count is
 * theirs, not the sweep's.
 */
export function sweepSource(result: SweptData, rows: RowsInput, command: string): string {
  const drawn = toRows(rows);
  const keys = new Set(result.plan.points.map((p) => p.runKey));
  const foreign = drawn.filter((r) => typeof r.run_key !== "string" || !keys.has(r.run_key));
  if (foreign.length) {
    throw new Error(
      `sweepSource: ${foreign.length} of ${drawn.length} rows are not runs of sweep ` +
        `${result.sweepId} (first run_key: ${String(foreign[0].run_key)})`,
    );
  }
  const runs = new Set(drawn.map((r) => r.run_key)).size;
  return `sweep ${result.sweepId} (${runs} run${runs === 1 ? "" : "s"}), engine ` +
    `${result.plan.engineVersion}; reproduce: ${command}`;
}

/** Several sweeps' captions joined, for a figure that draws rows of more than one. */
export function sourcesOf(...sources: string[]): string {
  return sources.join("; and ");
}

/**
 * "12 simulate() runs in the notebook, engine 0.1.0+src.…; reproduce: …" for
 * figures computed by simulate() or lib primitives rather than a stored sweep.
 * `engineVersion`: `await engineSourceVersion()`.
 */
export function simSource(
  runs: number,
  engineVersion: string,
  command: string,
  what = "simulate()",
): string {
  return `${runs} ${what} run${runs === 1 ? "" : "s"} in the notebook (not stored), engine ` +
    `${engineVersion}; reproduce: ${command}`;
}

/** What sweepRounds needs: the result's query() and its id. */
export interface QueryableSweep {
  sweepId: string;
  query(sql: string): Promise<{ objects(): object[] }>;
}

/**
 * Every round record of a sweep's runs (the store's `rounds` table: round,
 * bytesSent, dirtyBytes, translations, iotlbMisses, ...), each with its run's
 * run_key, seed and config columns (iommu_pageSize, tracking_split, ...), in
 * point and round order.
 */
export async function sweepRounds(result: QueryableSweep): Promise<Record<string, unknown>[]> {
  if (!/^[\w-]+$/.test(result.sweepId)) throw new Error(`bad sweep id ${result.sweepId}`);
  const t = await result.query(
    `SELECT ro.*, COLUMNS(c -> c SIMILAR TO '(guest|iommu|tracking|workload|dma|migration)_.*' ` +
      `OR c = 'seed') FROM sweep_points p JOIN runs ru USING (run_key) ` +
      `JOIN rounds ro USING (run_key) WHERE p.sweep_id = '${result.sweepId}' ` +
      `ORDER BY p.point, ro.round`,
  );
  return toRows(t);
}
