// The sweep in stages, so that an answer on a 1 GiB guest takes seconds: work
// that cannot change the answer is not done. (1) Each page size and split runs
// once with one domain flush per read, the batching with the least flush time,
// and a short pre-copy probe; a probe that has not converged is run in full
// unless its dirty set shrinks too slowly to meet the threshold in time
// (pre-copy's V → P·N(V/R) is concave, so the ratio V_k/V_{k-1} only grows
// as V falls: extrapolating it is optimistic). (2) The other clear batches
// run only where the first converged: they flush more, so they converge no
// sooner; nor where the first one's IOTLB misses, less every miss its domain
// flushes could have caused (one per IOTLB entry a flush), still exceed the
// guest's tolerance: the other batches do not flush the domain, so they miss
// at least that often. (3) The leading configurations get their remaining runs.

import { toRows } from "../notebook/mod.ts";
import { sweep, type SweepOptions, type SweepResult } from "../sweep/mod.ts";
import { type Candidate, candidateKeys, gridSpec } from "./grid.ts";
import type { Limits } from "./input.ts";
import type { Row } from "./metrics.ts";
import { fmtBytes, type Verdict } from "./rank.ts";

/** Rounds of the first, probing run of each candidate. */
export const PROBE_ROUNDS = 6;

export interface SweepCount {
  sweepId: string;
  points: number;
  ran: number;
  reused: number;
  failed: number;
}

const column = (key: string) => key.replaceAll(".", "_");

/** Whether a stored run has the given config values (flattened columns). */
export function matches(row: Row, keys: Record<string, unknown>): boolean {
  return Object.entries(keys).every(([k, v]) => String(row[column(k)]) === String(v));
}

const converged = (r: Row) => r.converged === true || r.converged === 1;

/** Runs candidates through the store and keeps what each one's runs gave. */
export class StagedSweep {
  readonly sweeps: SweepCount[] = [];
  readonly verdicts = new Map<string, Verdict>();
  /** Run keys of every run this answer rests on. */
  readonly runKeys = new Set<string>();
  private readonly rows = new Map<string, Row[]>();
  /** The pre-copy round limit each candidate's runs use (probe or full). */
  private readonly maxRounds = new Map<string, number>();

  constructor(
    private readonly base: Record<string, unknown>,
    private readonly runs: readonly Record<string, unknown>[],
    private readonly limits: Limits,
    private readonly options: SweepOptions,
  ) {}

  /** The rows of a candidate at its current round limit. */
  rowsOf(c: Candidate): Row[] {
    return this.rows.get(c.id) ?? [];
  }

  allRows(): Row[] {
    return [...this.rows.values()].flat();
  }

  private async run(
    name: string,
    candidates: readonly Candidate[],
    runs: readonly Record<string, unknown>[],
  ): Promise<SweepResult | undefined> {
    if (candidates.length === 0) return undefined;
    const extra = (c: Candidate) => ({ "migration.maxRounds": this.maxRounds.get(c.id) });
    const result = await sweep(gridSpec(name, this.base, candidates, runs, extra), this.options);
    this.sweeps.push({
      sweepId: result.sweepId,
      points: result.points,
      ran: result.ran,
      reused: result.reused,
      failed: result.failed,
    });
    const rows = toRows(await result.runs());
    for (const r of rows) this.runKeys.add(String(r.run_key));
    for (const c of candidates) {
      const mine = rows.filter((r) => matches(r, { ...candidateKeys(c), ...extra(c) }));
      // Keep runs of other phases or seeds seen before at the same round limit.
      const keys = new Set(mine.map((r) => r.run_key));
      const kept = (this.rows.get(c.id) ?? []).filter((r) =>
        !keys.has(r.run_key) && Number(r.migration_maxRounds) === this.maxRounds.get(c.id)
      );
      this.rows.set(c.id, [...kept, ...mine]);
    }
    return result;
  }

  /**
   * Stages 1 and 2: every candidate judged on one run, hopeless ones cut
   * short. `prune`, given the leaders' rows, says which other batches of a
   * converged leader need not run (and why).
   */
  async first(
    candidates: readonly Candidate[],
    prune?: (leaderRows: Row[]) => (leader: Candidate, rows: Row[]) => Verdict | undefined,
  ): Promise<void> {
    const full = this.limits.maxRounds;
    const probe = Math.min(PROBE_ROUNDS, full);
    const groups = new Map<string, Candidate[]>();
    for (const c of candidates) {
      const k = `${c.pageSize}/${c.variant.id}`;
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    // Without "round" among the batches there is no least-flush leader: run all.
    const leaders = [...groups.values()].flatMap((g) => {
      const round = g.find((c) => c.clearBatch === "round");
      return round ? [round] : g;
    });
    for (const c of leaders) this.maxRounds.set(c.id, probe);
    const probed = await this.run("advise", leaders, this.runs.slice(0, 1));

    // Probes that did not converge: run in full, or judge hopeless.
    const unfinished = leaders.filter((c) => this.rowsOf(c).some((r) => !converged(r)));
    const rerun: Candidate[] = [];
    if (unfinished.length && probe < full && probed) {
      const keys = unfinished.flatMap((c) => this.rowsOf(c).map((r) => `'${r.run_key}'`));
      const rounds = toRows(
        await probed.query(
          `SELECT run_key, round, dirtyBytes FROM rounds WHERE run_key IN (${keys.join(",")}) ` +
            "AND NOT stopAndCopy ORDER BY run_key, round",
        ),
      );
      const threshold = this.limits.bandwidthBytesPerSec * this.limits.downtimeMs / 1000;
      for (const c of unfinished) {
        const key = this.rowsOf(c)[0].run_key;
        const v = rounds.filter((r) => r.run_key === key).map((r) => Number(r.dirtyBytes));
        const last = v[v.length - 1], prev = v[v.length - 2];
        const ratio = v.length >= 2 && prev > 0 ? last / prev : 1;
        if (ratio < 1 && last * ratio ** (full - probe) <= threshold) {
          rerun.push(c);
          continue;
        }
        const how = ratio >= 0.995
          ? `the dirty set holds at ${fmtBytes(last)} a round`
          : `the dirty set is still ${fmtBytes(last)} a round and shrinks ×${
            ratio.toFixed(3)
          } a round at best`;
        this.verdicts.set(c.id, {
          failure: {
            kind: "converge",
            text: `does not converge: after ${probe} rounds ${how}, more than the ` +
              `${fmtBytes(threshold)} the link sends within the downtime limit, and cannot get ` +
              `there in ${full} rounds (stopped after ${probe})`,
          },
          stoppedAfterRounds: probe,
        });
      }
    }
    for (const c of rerun) this.maxRounds.set(c.id, full);
    await this.run("advise-full", rerun, this.runs.slice(0, 1));

    // The other clear batches, where the least-flush one converged and
    // nothing else rules them out.
    const rest: Candidate[] = [];
    const pruneBy = prune?.(leaders.flatMap((c) => this.rowsOf(c)));
    for (const g of groups.values()) {
      const leader = g.find((c) => leaders.includes(c))!;
      const others = g.filter((c) => !leaders.includes(c));
      const ok = this.rowsOf(leader).length > 0 && this.rowsOf(leader).every(converged);
      const pruned = ok && others.length ? pruneBy?.(leader, this.rowsOf(leader)) : undefined;
      for (const c of others) {
        if (pruned) this.verdicts.set(c.id, pruned);
        else if (ok) {
          this.maxRounds.set(c.id, this.maxRounds.get(leader.id)!);
          rest.push(c);
        } else {
          this.verdicts.set(c.id, {
            failure: {
              kind: "converge",
              text: "not run: with one domain flush per read, the batching with the least " +
                "flush time, it does not converge, and other batches flush more",
            },
          });
        }
      }
    }
    await this.run("advise-batches", rest, this.runs.slice(0, 1));
  }

  /** Stage 3: the remaining runs (seeds or phases) of these candidates. */
  async repeat(candidates: readonly Candidate[]): Promise<void> {
    const todo = candidates.filter((c) => this.rowsOf(c).length < this.runs.length);
    await this.run("advise-runs", todo, this.runs);
  }

  /** Whether a candidate has all its runs. */
  complete(c: Candidate): boolean {
    return this.rowsOf(c).length >= this.runs.length;
  }
}
