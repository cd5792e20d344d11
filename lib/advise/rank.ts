// Judging the candidates against the limits and ranking the ones that meet
// them. A configuration meets the limits when every one of its runs converged
// within the round limit, kept the downtime limit, stayed within the guest's
// tolerance and lost no write. The ranking is the migration's: the shortest
// migration time first, and among times within 1 % of each other (clear
// batches that only move flush work, say) the lower guest cost, then the less
// flush time, then the fewer splits. The runner-up is the best one whose
// outcome differs, preferably with another page size or split.

import type { Candidate } from "./grid.ts";
import type { Limits } from "./input.ts";
import { type Downtime, fmtMs, fmtPct, type GuestCost, type Row } from "./metrics.ts";

export interface Stat {
  mean: number;
  min: number;
  max: number;
}

export type FailureKind = "failed" | "converge" | "downtime" | "guest" | "lost";

export interface Failure {
  kind: FailureKind;
  /** "did not converge in 30 rounds (1 of 3 runs)". */
  text: string;
}

/** What the staged sweep found out about a candidate without running all of it. */
export interface Verdict {
  failure: Failure;
  /** The probe's round limit, when pre-copy was stopped early as hopeless. */
  stoppedAfterRounds?: number;
}

/** One candidate with its runs summarised and judged. */
export interface Evaluated {
  candidate: Candidate;
  /** Runs with a result. */
  runs: number;
  bytes: Stat;
  migrationMs: Stat;
  downtimeMs: Stat;
  guest: Stat;
  baseline: Stat;
  flushNs: Stat;
  invalidations: Stat;
  domainFlushes: Stat;
  rounds: Stat;
  splits: Stat;
  /** Mean bytes found dirty per pre-copy read after round 0. */
  dirtyPerRound: Stat;
  converged: number;
  lostWrites: number;
  failures: Failure[];
  meets: boolean;
  /** Set when pre-copy was stopped early as hopeless: data sent is a lower bound. */
  stoppedAfterRounds?: number;
}

export interface Ranking {
  /** Candidates that meet the limits, best first. */
  ranked: Evaluated[];
  /** The rest, in grid order. */
  rejected: Evaluated[];
  recommendation?: Evaluated;
  runnerUp?: Evaluated;
}

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : Number(v));
const FAILED = new Set(["failed", "error"]);

function stat(values: number[]): Stat {
  if (values.length === 0) return { mean: NaN, min: NaN, max: NaN };
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** Groups run rows by candidate and judges each against the limits. */
export function evaluate(
  candidates: readonly Candidate[],
  rowsOf: (c: Candidate) => Row[],
  limits: Limits,
  guest: GuestCost,
  down: Downtime,
  verdicts: ReadonlyMap<string, Verdict> = new Map(),
): Evaluated[] {
  return candidates.map((candidate) => {
    const all = rowsOf(candidate);
    const ok = all.filter((r) => !(typeof r.status === "string" && FAILED.has(r.status)));
    const col = (f: (r: Row) => number) => stat(ok.map(f));
    const converged = ok.filter((r) => r.converged === true || r.converged === 1).length;
    const e: Evaluated = {
      candidate,
      runs: ok.length,
      bytes: col((r) => num(r.bytesTransferred)),
      migrationMs: col((r) => num(r.migrationMs)),
      downtimeMs: col((r) => down.value(r)),
      guest: col((r) => guest.value(r)),
      baseline: col((r) => num(r.iotlbMissRateBaseline)),
      flushNs: col((r) => num(r.invalidationNs)),
      invalidations: col((r) => num(r.invalidations)),
      domainFlushes: col((r) => num(r.domainFlushes)),
      rounds: col((r) => num(r.rounds)),
      splits: col((r) => num(r.splits)),
      dirtyPerRound: col((r) => num(r.dirtyBytesTransferred) / Math.max(1, num(r.rounds))),
      converged,
      lostWrites: Math.max(0, ...ok.map((r) => num(r.lostWrites))),
      failures: [],
      meets: false,
    };
    const of = (n: number) => (ok.length > 1 ? ` (${n} of ${ok.length} runs)` : "");
    if (ok.length < all.length || (ok.length === 0 && !verdicts.has(candidate.id))) {
      const err = all.find((r) => r.error)?.error;
      e.failures.push({
        kind: "failed",
        text: `the simulation failed${err ? `: ${String(err).split("\n")[0]}` : ""}`,
      });
    }
    if (ok.length > 0) {
      if (converged < ok.length) {
        e.failures.push({
          kind: "converge",
          text: `did not converge in ${limits.maxRounds} rounds${of(ok.length - converged)}`,
        });
      }
      const over = ok.filter((r) => down.value(r) > limits.downtimeMs).length;
      // A run that did not converge has its downtime over the limit by
      // definition; say it only of runs that converged.
      const overConverged = ok.filter((r) =>
        (r.converged === true || r.converged === 1) && down.value(r) > limits.downtimeMs
      ).length;
      if (overConverged > 0) {
        e.failures.push({
          kind: "downtime",
          text: `downtime ${fmtMs(e.downtimeMs.max)} > ${fmtMs(limits.downtimeMs)}${
            of(overConverged)
          }`,
        });
      } else if (over > 0 && converged === ok.length) {
        e.failures.push({ kind: "downtime", text: `downtime over ${fmtMs(limits.downtimeMs)}` });
      }
      const tooCostly = ok.filter((r) =>
        guest.value(r) > guest.limit + 1e-12
      ).length;
      if (tooCostly > 0) {
        e.failures.push({
          kind: "guest",
          text: `${guest.label} ${fmtPct(e.guest.max)} > ${fmtPct(guest.limit)}${of(tooCostly)}`,
        });
      }
      if (e.lostWrites > 0) {
        e.failures.push({ kind: "lost", text: `lost ${e.lostWrites} writes (an unsafe config)` });
      }
    }
    const v = verdicts.get(candidate.id);
    if (v) {
      // A verdict from the staging replaces what the rows alone would say.
      e.failures = [v.failure, ...e.failures.filter((f) => f.kind !== "converge")];
      e.stoppedAfterRounds = v.stoppedAfterRounds;
    }
    e.meets = e.failures.length === 0;
    return e;
  });
}

/** Migration times within this fraction of each other count as equal. */
export const TIE = 0.01;

/**
 * Order among migration times that tie: the lower guest cost (in steps of
 * 0.05 points), the less flush work (in steps of 0.05 ms), the fewer splits
 * (the simpler configuration), then exact flush work and time.
 */
function tieOrder(a: Evaluated, b: Evaluated): number {
  const step = (v: number, s: number) => Math.round(v / s);
  return step(a.guest.mean, 0.0005) - step(b.guest.mean, 0.0005) ||
    step(a.flushNs.mean, 5e4) - step(b.flushNs.mean, 5e4) ||
    a.splits.mean - b.splits.mean ||
    a.flushNs.mean - b.flushNs.mean ||
    a.migrationMs.mean - b.migrationMs.mean;
}

/** Ranks the candidates that meet the limits and picks the recommendation and runner-up. */
export function rank(evaluated: readonly Evaluated[]): Ranking {
  const meets = evaluated.filter((e) => e.meets)
    .sort((a, b) => a.migrationMs.mean - b.migrationMs.mean);
  const ranked: Evaluated[] = [];
  for (let i = 0; i < meets.length;) {
    let j = i + 1;
    while (j < meets.length && meets[j].migrationMs.mean <= meets[i].migrationMs.mean * (1 + TIE)) {
      j++;
    }
    ranked.push(...meets.slice(i, j).sort(tieOrder));
    i = j;
  }
  const recommendation = ranked[0];
  const runnerUp = recommendation ? pickRunnerUp(ranked) : undefined;
  return {
    ranked,
    rejected: evaluated.filter((e) => !e.meets),
    recommendation,
    runnerUp,
  };
}

/**
 * Whether two configurations' outcomes differ enough to be a trade: data or
 * time by 0.1 %, guest cost by 0.05 points, flush work by 1 % of the downtime
 * (it is paid in the rounds and the downtime), downtime by 10 %.
 */
export function differsMaterially(a: Evaluated, b: Evaluated): boolean {
  const flushMs = Math.abs(a.flushNs.mean - b.flushNs.mean) / 1e6;
  const downtime = Math.max(a.downtimeMs.mean, b.downtimeMs.mean);
  return Math.abs(a.bytes.mean - b.bytes.mean) >= 0.001 * b.bytes.mean ||
    Math.abs(a.migrationMs.mean - b.migrationMs.mean) >= 0.001 * b.migrationMs.mean ||
    Math.abs(a.guest.mean - b.guest.mean) >= 0.0005 ||
    (flushMs > 0.01 * downtime && flushMs > 0.05) ||
    (Math.abs(a.downtimeMs.mean - b.downtimeMs.mean) > 0.1 * downtime &&
      Math.abs(a.downtimeMs.mean - b.downtimeMs.mean) > 1);
}

/**
 * The runner-up: the best other configuration with another page size or
 * split whose outcome differs (else the best other one at all), so that
 * "what it trades" says something.
 */
function pickRunnerUp(ranked: readonly Evaluated[]): Evaluated | undefined {
  const [rec, ...rest] = ranked;
  const other = (e: Evaluated) =>
    e.candidate.pageSize !== rec.candidate.pageSize ||
    e.candidate.variant.id !== rec.candidate.variant.id;
  return rest.find((e) => other(e) && differsMaterially(e, rec)) ??
    rest.find((e) => differsMaterially(e, rec)) ?? rest.find(other) ?? rest[0];
}

// --- sentences ----------------------------------------------------------------

const GiB = 2 ** 30;
/** Bytes in binary units, four significant digits: "1.061 GiB", "327.7 KiB", "512 B". */
export function fmtBytes(b: number): string {
  const units: [number, string][] = [[2 ** 40, "TiB"], [GiB, "GiB"], [2 ** 20, "MiB"], [
    1024,
    "KiB",
  ]];
  for (const [f, u] of units) if (Math.abs(b) >= f) return `${+(b / f).toPrecision(4)} ${u}`;
  return `${Math.round(b)} B`;
}

/** "2 MiB pages, splitting lazily ..., clear batch 64". */
export function describe(c: Candidate): string {
  const batch = c.clearBatch === "round"
    ? "one domain flush per read"
    : c.clearBatch === 1
    ? "one invalidation per cleared page"
    : `clear batches of ${c.clearBatch}`;
  return `${
    c.pageLabel.replace(/([0-9]+)([KMG]iB)/, "$1 $2")
  } IO pages, ${c.variant.phrase}, ${batch}`;
}

/** Short form for lists and labels: "2MiB none (clear batch 64)". */
export function shortName(c: Candidate): string {
  return `${c.pageLabel} ${c.variant.label} (clear batch ${c.clearBatch})`;
}

const rel = (a: number, b: number) => (a - b) / b;

/** What the runner-up trades against the recommendation, in a clause. */
export function tradeText(rec: Evaluated, alt: Evaluated, guest: GuestCost): string {
  if (!differsMaterially(alt, rec)) {
    return "behaves the same here (the same data sent and guest cost, flush work within 1 % of " +
      "the downtime), so either will do";
  }
  const parts: string[] = [];
  const d = rel(alt.migrationMs.mean, rec.migrationMs.mean);
  const bytes = rel(alt.bytes.mean, rec.bytes.mean);
  if (Math.abs(bytes) >= 0.001) {
    parts.push(
      `sends ${fmtPct(Math.abs(bytes))} ${bytes > 0 ? "more" : "less"} data (${
        fmtBytes(alt.bytes.mean)
      } vs ${fmtBytes(rec.bytes.mean)})`,
    );
  } else if (Math.abs(d) >= 0.001) {
    parts.push(`takes ${fmtPct(Math.abs(d))} ${d > 0 ? "longer" : "less time"} to migrate`);
  } else parts.push("sends the same data");
  const g = alt.guest.mean - rec.guest.mean;
  if (Math.abs(g) >= 0.0005) {
    parts.push(
      `${g > 0 ? "costs the guest more" : "costs the guest less"}: ${guest.label} ${
        fmtPct(alt.guest.mean)
      } vs ${fmtPct(rec.guest.mean)}`,
    );
  } else parts.push(`at the same guest cost (${guest.label} ${fmtPct(alt.guest.mean)})`);
  const f = alt.flushNs.mean - rec.flushNs.mean;
  const downtime = Math.max(alt.downtimeMs.mean, rec.downtimeMs.mean);
  if (Math.abs(f) / 1e6 > 0.01 * downtime && Math.abs(f) / 1e6 > 0.05) {
    parts.push(
      `with ${f > 0 ? "more" : "less"} flush work (${fmtMs(alt.flushNs.mean / 1e6)} vs ${
        fmtMs(rec.flushNs.mean / 1e6)
      })`,
    );
  }
  const dt = alt.downtimeMs.mean - rec.downtimeMs.mean;
  if (Math.abs(dt) > 0.1 * rec.downtimeMs.mean && Math.abs(dt) > 1) {
    parts.push(`${dt > 0 ? "longer" : "shorter"} downtime (${fmtMs(alt.downtimeMs.mean)})`);
  }
  return parts.join(", ");
}

/** Why the recommendation: one sentence. */
export function recommendationText(r: Ranking, guest: GuestCost): string {
  const rec = r.recommendation!;
  const n = r.ranked.length;
  const extra = rec.guest.mean - guest.reference;
  const cost = extra <= 0.0005
    ? `costs the guest nothing over its ${fmtPct(guest.reference)} ${
      guest.metric === "iotlbMissRate" ? "baseline miss rate" : "untracked throughput"
    }`
    : `costs the guest ${fmtPct(rec.guest.mean)} ${guest.label}, within the ${
      fmtPct(guest.limit)
    } tolerance`;
  const rounds = rec.rounds.mean;
  // The configurations at least as fast that it was preferred to (a tie): why.
  const fastest = Math.min(...r.ranked.map((e) => e.migrationMs.mean));
  let speed = "it migrates fastest";
  if (rec.migrationMs.mean > fastest * (1 + 1e-6)) {
    const faster = r.ranked.filter((e) => e.migrationMs.mean < rec.migrationMs.mean);
    const by = faster.every((e) =>
        Math.round(e.guest.mean / 0.0005) > Math.round(rec.guest.mean / 0.0005)
      )
      ? "at a lower guest cost"
      : faster.every((e) => Math.round(e.flushNs.mean / 5e4) > Math.round(rec.flushNs.mean / 5e4))
      ? "with less flush work"
      : `splitting fewer pages (${Math.round(rec.splits.mean)})`;
    speed = `it migrates as fast as any (within ${TIE * 100} %) ${by}`;
  }
  return `Use ${describe(rec.candidate)}: of the ${n} configuration${
    n > 1 ? "s" : ""
  } that meet the limits ${speed} (${fmtBytes(rec.bytes.mean)} in ${
    fmtMs(rec.migrationMs.mean)
  }, ${+rounds.toFixed(1)} round${rounds === 1 ? "" : "s"}, downtime ${
    fmtMs(rec.downtimeMs.mean)
  }) and ${cost}.`;
}

/** The fastest configuration kept out only by the guest's tolerance, if it beats the recommendation. */
export function outsideText(
  r: Ranking,
  evaluated: readonly Evaluated[],
  guest: GuestCost,
): string | undefined {
  const rec = r.recommendation;
  if (!rec) return undefined;
  const faster = evaluated.filter((e) =>
    e.runs > 0 && e.failures.length > 0 && e.failures.every((f) => f.kind === "guest") &&
    e.migrationMs.mean < rec.migrationMs.mean * (1 - TIE)
  ).sort((a, b) => a.guest.mean - b.guest.mean || a.migrationMs.mean - b.migrationMs.mean);
  const e = faster[0];
  if (!e) return undefined;
  return `Just outside the limits: ${shortName(e.candidate)} would send ${
    fmtPct(1 - e.bytes.mean / rec.bytes.mean)
  } less (${fmtBytes(e.bytes.mean)}) and migrate in ${fmtMs(e.migrationMs.mean)}, but costs the ` +
    `guest ${fmtPct(e.guest.mean)} ${guest.label}, over the ${fmtPct(guest.limit)} tolerance.`;
}

/** Facts that follow from the sweep: huge pages that cannot converge without a split. */
export function notes(evaluated: readonly Evaluated[], limits: Limits): string[] {
  const out: string[] = [];
  const threshold = limits.bandwidthBytesPerSec * limits.downtimeMs / 1000;
  const sizes = [...new Set(evaluated.map((e) => e.candidate.pageSize))];
  for (const size of sizes) {
    const none = evaluated.filter((e) =>
      e.candidate.pageSize === size && e.candidate.variant.split === "none" && e.runs > 0
    );
    if (none.length === 0 || none.some((e) => e.converged > 0)) continue;
    const splitConverges = evaluated.some((e) =>
      e.candidate.pageSize === size && e.candidate.variant.split !== "none" &&
      e.runs > 0 && e.converged === e.runs
    );
    // Only a split that converges makes "without a split" the reason.
    if (!splitConverges) continue;
    const dirty = Math.min(...none.map((e) => e.dirtyPerRound.mean));
    out.push(
      `Tracking ${none[0].candidate.pageLabel} pages without a split cannot converge: every read ` +
        `finds about ${fmtBytes(dirty)} dirty (whole ${none[0].candidate.pageLabel} pages), more ` +
        `than the ${fmtBytes(threshold)} the link sends within the downtime limit, so pre-copy ` +
        `re-sends it until the ${limits.maxRounds}-round limit; with a split it converges.`,
    );
  }
  return out;
}
