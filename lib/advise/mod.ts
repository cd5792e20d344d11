// The advise layer's public API: "for my device". advise() takes a device's
// DMA (trace, parametric workload or measured dirty rate) and the migration's
// limits, sweeps IO page size × split policy × clear batching on that workload
// through the results store (so a second call is instant), judges every
// configuration against the limits, ranks the ones that meet them and says
// which to use and why; when none does, it works out and checks what would.

import { toRows } from "../notebook/mod.ts";
import { type ProgressOption, sweep } from "../sweep/mod.ts";
import { adviseFigure } from "./figure.ts";
import { type Candidate, candidateGrid, candidateKeys, flatten } from "./grid.ts";
import {
  type AdviseRequest,
  DEFAULT_TOLERANCE,
  type ResolvedInput,
  resolveInput,
} from "./input.ts";
import { type Downtime, downtime, fmtPct, type GuestCost, guestCost } from "./metrics.ts";
import {
  evaluate,
  type Evaluated,
  notes,
  outsideText,
  rank,
  type Ranking,
  recommendationText,
  tradeText,
} from "./rank.ts";
import { assumptions, figureText } from "./report.ts";
import { matches, StagedSweep, type SweepCount } from "./stages.ts";
import { type WhatIf, whatIfs } from "./whatif.ts";

export { AdviseError } from "./errors.ts";
export { type AdviseRequest, parseFraction, type ResolvedInput } from "./input.ts";
export { dirtyRateWorkload, uniformDistinct, zipfDistinct } from "./dirty_rate.ts";
export { type Candidate, CLEAR_BATCHES, PAGE_SIZES, SPLIT_VARIANTS } from "./grid.ts";
export type { Evaluated, Ranking } from "./rank.ts";
export type { WhatIf } from "./whatif.ts";
export { adviceJson, formatAdvice, type RunInfo } from "./report.ts";
export { PROBE_ROUNDS, type SweepCount } from "./stages.ts";
export { TIE } from "./rank.ts";

export interface AdviseOptions {
  /** Results store (default data/results.duckdb). */
  store?: string;
  workers?: number;
  progress?: ProgressOption;
  /** Where the figure goes (SVG); null for none. Default data/plots/advise.svg. */
  figurePath?: string | null;
}

export interface Advice {
  input: ResolvedInput;
  candidates: Candidate[];
  /** Grid parts left out, and why. */
  omitted: string[];
  evaluated: Evaluated[];
  ranking: Ranking;
  guest: GuestCost;
  downtime: Downtime;
  /** The answer in one sentence: the recommendation, or that nothing meets the limits. */
  answer: string;
  /** "Runner-up: ... ; it ...", when there is one. */
  runnerUp?: string;
  /** The best configuration just outside the guest's tolerance that migrates faster. */
  outside?: string;
  /** Facts the sweep shows (huge pages that cannot converge unsplit). */
  notes: string[];
  /** When nothing meets: what would, each checked by a run. */
  whatIfs: WhatIf[];
  /** The model's assumptions that matter for this answer. */
  assumptions: string[];
  figurePath?: string;
  sweeps: SweepCount[];
  /** Distinct runs the answer rests on (run now or found in the store). */
  runCount: number;
  wallMs: number;
}

export const DEFAULT_FIGURE = "data/plots/advise.svg";

/** Answers the request; throws AdviseError for bad input. */
export async function advise(request: AdviseRequest, options: AdviseOptions = {}): Promise<Advice> {
  const t0 = performance.now();
  const store = options.store ?? request.store;
  const input = await resolveInput({ ...request, store });
  const { candidates, omitted } = candidateGrid(input.restrictions, input.config);
  const sweepOptions = {
    store,
    workers: options.workers,
    progress: options.progress ?? "none",
    written: { advise: request },
  };
  const staged = new StagedSweep(input.base, input.runs, input.limits, sweepOptions);
  const tolerance = {
    maxSlowdown: input.limits.maxSlowdown,
    maxMissRate: input.limits.maxMissRate,
    defaultSlowdown: DEFAULT_TOLERANCE,
  };
  const entries = input.config.iommu.iotlb.entries;
  await staged.first(candidates, (leaderRows) => {
    const guest = guestCost(leaderRows, tolerance);
    // Only the miss rate has a bound on what the batching can change.
    if (guest.metric !== "iotlbMissRate") return () => undefined;
    return (_leader, rows) => {
      const floor = Math.min(
        ...rows.map((r) =>
          (Number(r.iotlbMisses) - entries * Number(r.domainFlushes)) / Number(r.translations)
        ),
      );
      if (!(floor > guest.limit)) return undefined;
      return {
        failure: {
          kind: "guest",
          text:
            `not run: with one domain flush per read its IOTLB miss rate is ${
              fmtPct(guest.value(rows[0]))
            }; other batches save at most one miss per IOTLB entry a flush, so they miss at ` +
            `least ${fmtPct(floor)} > ${fmtPct(guest.limit)}`,
        },
      };
    };
  });
  const judge = () => {
    const all = staged.allRows();
    const guest = guestCost(all, tolerance);
    const down = downtime(all);
    const evaluated = evaluate(
      candidates,
      (c) => staged.rowsOf(c),
      input.limits,
      guest,
      down,
      staged.verdicts,
    );
    return { guest, down, evaluated, ranking: rank(evaluated) };
  };
  // The recommendation and the runner-up get all their runs; a run that
  // misses a limit drops a candidate, and the next in line is run in turn
  // (a few times at most: each turn is a sweep).
  let judged = judge();
  for (let turn = 0; turn < 3; turn++) {
    const lead = [judged.ranking.recommendation, judged.ranking.runnerUp]
      .filter((e): e is Evaluated => e !== undefined && !staged.complete(e.candidate));
    if (lead.length === 0) break;
    await staged.repeat(lead.map((e) => e.candidate));
    judged = judge();
  }
  const { guest, down, evaluated, ranking } = judged;
  const sweeps = staged.sweeps;

  let answer: string;
  let runnerUp: string | undefined;
  let checked: WhatIf[] = [];
  if (ranking.recommendation) {
    answer = recommendationText(ranking, guest);
    if (ranking.runnerUp) {
      runnerUp = `Runner-up: ${describeShort(ranking.runnerUp)}; it ${
        tradeText(ranking.recommendation, ranking.runnerUp, guest)
      }.`;
    }
  } else {
    checked = await checkWhatIfs(
      whatIfs(evaluated, input.limits, guest),
      input,
      guest,
      down,
      sweepOptions,
      sweeps,
      staged.runKeys,
    );
    answer = nothingMeetsText(evaluated, checked);
  }

  const advice: Advice = {
    input,
    candidates,
    omitted,
    evaluated,
    ranking,
    guest,
    downtime: down,
    answer,
    runnerUp,
    outside: ranking.recommendation ? outsideText(ranking, evaluated, guest) : undefined,
    notes: notes(evaluated, input.limits),
    whatIfs: checked,
    assumptions: [],
    sweeps,
    runCount: 0,
    wallMs: 0,
  };
  advice.runCount = staged.runKeys.size;
  advice.assumptions = assumptions(advice);
  const figurePath = options.figurePath === undefined ? DEFAULT_FIGURE : options.figurePath;
  if (figurePath) {
    const svg = adviseFigure(evaluated, ranking, guest, figureText(advice));
    const dir = figurePath.replace(/\/[^/]*$/, "");
    if (dir && dir !== figurePath) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(figurePath, svg);
    advice.figurePath = figurePath;
  }
  advice.wallMs = performance.now() - t0;
  return advice;
}

function describeShort(e: Evaluated): string {
  const c = e.candidate;
  return `${c.pageLabel} pages, split ${c.variant.label}, clear batch ${c.clearBatch}`;
}

/** Runs the what-ifs that need a run (one run each) and judges them by their own limits. */
async function checkWhatIfs(
  list: WhatIf[],
  input: ResolvedInput,
  guest: GuestCost,
  down: Downtime,
  sweepOptions: Parameters<typeof sweep>[1],
  sweeps: SweepCount[],
  runKeys: Set<string>,
): Promise<WhatIf[]> {
  const todo = list.filter((w) => !w.result);
  if (todo.length === 0) return list;
  const keysOf = (w: WhatIf): Record<string, unknown> => ({
    ...candidateKeys(w.candidate),
    "tracking.mode": input.config.tracking.mode,
    "migration.bandwidth": input.limits.bandwidthBytesPerSec,
    "migration.downtimeLimit": input.limits.downtimeMs,
    ...w.overrides,
  });
  const all = todo.map(keysOf);
  const zip: Record<string, unknown[]> = {};
  for (const k of Object.keys(all[0])) zip[k] = all.map((x) => x[k]);
  const run = flatten(input.runs[0]);
  // A what-if runs in full: its answer is the point.
  const result = await sweep({
    name: "advise-what-if",
    base: input.base,
    zip: [Object.fromEntries(Object.entries(run).map(([k, v]) => [k, [v]])), zip],
  }, sweepOptions);
  sweeps.push({
    sweepId: result.sweepId,
    points: result.points,
    ran: result.ran,
    reused: result.reused,
    failed: result.failed,
  });
  const rows = toRows(await result.runs());
  for (const r of rows) runKeys.add(String(r.run_key));
  for (const w of todo) {
    const mine = rows.filter((r) => matches(r, keysOf(w)));
    w.result = evaluate([w.candidate], () => mine, w.limits, guest, down)[0];
  }
  return list;
}

function nothingMeetsText(evaluated: readonly Evaluated[], checked: readonly WhatIf[]): string {
  const ran = evaluated.filter((e) => e.runs > 0 || e.failures.length > 0);
  const costly = ran.filter((e) => e.failures.every((f) => f.kind === "guest"));
  const n = evaluated.length;
  const why = costly.length === 0
    ? `none of the ${n} configurations converges within the downtime limit`
    : `of ${n} configurations, ${costly.length} converge within the downtime limit but cost ` +
      "the guest more than its tolerance, and the others do not converge";
  const works = checked.filter((w) => w.result?.meets).map((w) => w.text);
  return `Nothing meets the limits: ${why}.` +
    (works.length
      ? ` What would: ${works.join("; or ")} (each checked by a run).`
      : " None of the changes tried (longer downtime, more bandwidth, a higher tolerance, " +
        "device-side tracking) was enough on its own.");
}
