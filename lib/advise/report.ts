// The answer as text (a ranked table, one sentence of advice, the runner-up,
// what misses the limits and why, the assumptions) and as JSON, and the words
// of the figure. Pure functions of an Advice.

import { formatBandwidth, formatDuration, formatSize } from "../config/mod.ts";
import type { Advice } from "./mod.ts";
import { fmtPct } from "./metrics.ts";
import { type Evaluated, fmtBytes, type Stat } from "./rank.ts";

const ms = (v: number) => formatDuration(v);
const DEFAULT_NOTE: Record<string, string> = {
  memory: "not given: assumed",
  bandwidth: "QEMU's max-bandwidth default",
  downtime: "QEMU's downtime-limit default",
};

/** "10 Gbit/s (1.164GiB/s)". */
export function bandwidthText(bytesPerSec: number): string {
  const gbit = bytesPerSec * 8 / 1e9;
  return gbit >= 1
    ? `${+gbit.toPrecision(4)} Gbit/s (${formatBandwidth(bytesPerSec)})`
    : formatBandwidth(bytesPerSec);
}

/** "guest 1GiB (not given: assumed), bandwidth 10Gbit/s = 1.164GiB/s, downtime 300ms". */
export function limitsText(a: Advice): string {
  const l = a.input.limits;
  const note = (k: string) => (l.defaulted.includes(k) ? ` (${DEFAULT_NOTE[k]})` : "");
  const bw = l.written.bandwidth &&
      l.written.bandwidth.replace(/\s/g, "") !== formatBandwidth(l.bandwidthBytesPerSec)
    ? `${l.written.bandwidth} (${formatBandwidth(l.bandwidthBytesPerSec)})`
    : bandwidthText(l.bandwidthBytesPerSec);
  return `guest memory ${formatSize(l.memoryBytes)}${note("memory")}, bandwidth ${bw}${
    note("bandwidth")
  }, downtime limit ${ms(l.downtimeMs)}${note("downtime")}; guest: ${a.guest.limitText}`;
}

/** The model's assumptions that bear on this answer, each with its size here where it has one. */
export function assumptions(a: Advice): string[] {
  const c = a.input.config;
  const rec = a.ranking.recommendation ?? a.evaluated.find((e) => e.runs > 0);
  const out = [a.guest.text + ".", a.downtime.text + "."];
  const src = a.input.source;
  if (src.kind === "trace") {
    const t = src.trace!;
    out.push(
      `The trace's ${ms(t.spanNs / 1e6)} of DMA repeats for the whole migration (looped ` +
        `every ${ms(t.periodNs / 1e6)}): the device is assumed to keep doing what it did while ` +
        "it was recorded.",
    );
  } else if (src.kind === "dirty-rate") {
    out.push(
      "The measured dirty rate is taken as the device's DMA: QEMU's calc-dirty-rate counts " +
        "every writer of guest memory, and the vCPUs' share would be tracked by KVM, not the IOMMU.",
    );
  } else {
    out.push(`The workload is the parametric model given, over ${a.input.runsText}.`);
  }
  const iotlb = c.iommu.iotlb;
  out.push(
    `IOTLB of ${iotlb.entries} entries, ${iotlb.ways}-way LRU, ${c.iommu.vendor} IO page ` +
      "tables (default: about 64 entries after Neugebauer et al., SIGCOMM 2018, unconfirmed; " +
      "associativity is not published and assumed; set iommu.iotlb.entries/ways for your IOMMU).",
  );
  const flush = rec ? rec.flushNs.mean / 1e6 : NaN;
  out.push(
    `Invalidation costs ${c.iommu.costs.invalidationNs} ns + ${c.iommu.costs.waitNs} ns wait ` +
      `and a page-walk access ${c.iommu.costs.memoryAccessNs} ns (assumed, FACTS §6: Peleg et ` +
      "al., ATC 2015, unconfirmed); flush time delays its round and the downtime" +
      (rec && Number.isFinite(flush)
        ? ` (here ${ms(flush)} of flush work against ${ms(rec.downtimeMs.mean)} of downtime).`
        : "."),
  );
  out.push(
    `Pre-copy gives up after ${a.input.limits.maxRounds} rounds (QEMU iterates without limit): ` +
      "a configuration not converged by then is counted as never converging.",
  );
  out.push(
    "Only the device's DMA dirties memory, and the device's own state (VFIO migration data) " +
      "is not counted in the data sent.",
  );
  return out;
}

/** Title, subtitle and caption of the figure. */
export function figureText(a: Advice): { title: string; subtitle: string[]; caption: string[] } {
  const rec = a.ranking.recommendation;
  return {
    title: rec
      ? `advise: ${rec.candidate.pageLabel} pages, split ${rec.candidate.variant.label}, clear batch ${rec.candidate.clearBatch}`
      : "advise: nothing meets the limits",
    subtitle: [a.input.source.text, limitsText(a)],
    caption: [
      `x: all bytes the migration sent (log scale); y: ${a.guest.label} while tracking. ` +
      `Each mark is one configuration, the mean of its runs (${a.input.runsText}; rules: min–max). ` +
      "Faded marks miss a limit; the ringed marks are the recommendation and the runner-up." +
      (a.evaluated.some((e) => e.stoppedAfterRounds)
        ? " ×: did not converge; where pre-copy was stopped as hopeless, the data sent is a lower bound."
        : ""),
      a.ranking.recommendation ? "" : "Nothing meets the limits: the text lists what would.",
      a.guest.text + ".",
    ],
  };
}

function range(s: Stat, f: (v: number) => string): string {
  if (!(s.max > s.min) || (s.max - s.min) / Math.max(Math.abs(s.mean), 1e-12) < 0.005) {
    return f(s.mean);
  }
  return `${f(s.mean)} (${f(s.min)}–${f(s.max)})`;
}

function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}

function rankedTable(a: Advice): string[] {
  const header = [
    "#",
    "page",
    "split",
    "clear",
    "data sent",
    "migration",
    "downtime",
    a.guest.label,
    "flush",
    "rounds",
    "converged",
  ];
  const rows = a.ranking.ranked.map((e, i) => [
    String(i + 1),
    e.candidate.pageLabel,
    e.candidate.variant.label,
    String(e.candidate.clearBatch),
    range(e.bytes, fmtBytes),
    range(e.migrationMs, ms),
    range(e.downtimeMs, ms),
    range(e.guest, fmtPct),
    `${ms(e.flushNs.mean / 1e6)} (${Math.round(e.invalidations.mean + e.domainFlushes.mean)})`,
    String(+e.rounds.mean.toFixed(1)),
    `${e.converged}/${e.runs}`,
  ]);
  return table(header, rows, header.map((_, i) => i >= 4 || i === 0));
}

/** The rejected candidates grouped by page size and split, with their reasons. */
function rejectedLines(rejected: readonly Evaluated[], label: string, limit: number): string[] {
  const groups = new Map<string, Evaluated[]>();
  for (const e of rejected) {
    const k = `${e.candidate.pageLabel} ${e.candidate.variant.label}`;
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  return [...groups].map(([k, es]) => {
    const ran = es.filter((e) =>
      e.runs > 0 || !e.failures.some((f) => f.text.startsWith("not run"))
    );
    const skipped = es.filter((e) => !ran.includes(e));
    // One reason per kind; the guest's cost as a range over the group's batches.
    const reasons: string[] = [];
    for (const kind of [...new Set(ran.flatMap((e) => e.failures.map((f) => f.kind)))]) {
      const texts = [
        ...new Set(
          ran.flatMap((e) => e.failures.filter((f) => f.kind === kind).map((f) => f.text)),
        ),
      ];
      if (kind === "guest" && texts.length > 1) {
        const costs = ran.filter((e) => e.failures.some((f) => f.kind === "guest"))
          .map((e) => e.guest.max);
        reasons.push(
          `${label} ${fmtPct(Math.min(...costs))}–${fmtPct(Math.max(...costs))} > ${fmtPct(limit)}`,
        );
      } else reasons.push(texts[0] + (texts.length > 1 ? " (or close)" : ""));
    }
    const batches = ran.map((e) => e.candidate.clearBatch).join(", ");
    const first = ran.find((e) => e.runs > 0);
    const cost = first
      ? ` [${first.stoppedAfterRounds ? ">= " : ""}${fmtBytes(first.bytes.mean)} sent]`
      : "";
    const why = skipped[0]?.failures[0]?.kind === "guest"
      ? "other batches save at most one miss per IOTLB entry a domain flush, not enough"
      : "they flush more, so they converge no sooner";
    const rest = skipped.length
      ? `; clear batch ${skipped.map((e) => e.candidate.clearBatch).join(", ")} not run: ${why}`
      : "";
    return `  ${k} (clear batch ${batches}): ${reasons.join("; ")}${cost}${rest}`;
  });
}

export interface RunInfo {
  /** Wall time of the whole command, ms. */
  elapsedMs?: number;
  /** 1-minute load average and cores. */
  load?: { avg1: number; cores: number };
}

/** The answer as text. */
export function formatAdvice(a: Advice, info: RunInfo = {}): string {
  const out: string[] = [];
  const ran = a.sweeps.reduce((s, x) => s + x.ran, 0);
  const reused = a.runCount - ran;
  out.push(`device:  ${a.input.source.text}`);
  out.push(`limits:  ${limitsText(a)}`);
  const variants = [...new Set(a.candidates.map((c) => c.variant.label))].join(", ");
  const pages = [...new Set(a.candidates.map((c) => c.pageLabel))].join(", ");
  const batches = [...new Set(a.candidates.map((c) => String(c.clearBatch)))].join(", ");
  out.push(
    `swept:   ${a.candidates.length} configurations (IO page ${pages}; split ${variants}; ` +
      `clear batch ${batches}); ${a.input.runsText} for the recommendation and the runner-up; ` +
      `${a.runCount} runs (${ran} run now, ${reused} from the store)`,
  );
  for (const o of a.omitted) out.push(`         left out: ${o}`);
  out.push("");
  out.push(a.answer);
  if (a.runnerUp) out.push(a.runnerUp);
  if (a.outside) out.push(a.outside);
  out.push("");
  if (a.ranking.ranked.length) {
    out.push(
      `Configurations that meet the limits, best first (mean of their runs, min–max where they differ; flush: time (invalidations + domain flushes)):`,
    );
    out.push(...rankedTable(a).map((l) => `  ${l}`));
    out.push("");
  }
  if (a.ranking.rejected.length) {
    out.push(`Not meeting the limits (${a.ranking.rejected.length} configurations):`);
    out.push(...rejectedLines(a.ranking.rejected, a.guest.label, a.guest.limit));
    out.push("");
  }
  if (a.whatIfs.length) {
    out.push("What would meet the limits (each checked by one run):");
    for (const w of a.whatIfs) {
      const r = w.result;
      const verdict = !r
        ? "not checked"
        : r.meets
        ? `meets them: ${fmtBytes(r.bytes.mean)} sent, downtime ${
          ms(r.downtimeMs.mean)
        }, ${a.guest.label} ${fmtPct(r.guest.mean)}`
        : `not enough: ${r.failures.map((f) => f.text).join("; ")}`;
      out.push(`  ${w.text}: ${verdict}`);
    }
    out.push("");
  }
  if (a.notes.length) {
    out.push("Notes:");
    for (const n of a.notes) out.push(`  - ${n}`);
    out.push("");
  }
  out.push("Assumptions that matter here:");
  for (const s of a.assumptions) out.push(`  - ${s}`);
  out.push("");
  if (a.figurePath) out.push(`figure:  ${a.figurePath}`);
  const secs = ((info.elapsedMs ?? a.wallMs) / 1000).toFixed(1);
  const load = info.load
    ? `; load average ${info.load.avg1.toFixed(2)} on ${info.load.cores} cores`
    : "";
  out.push(
    `answered in ${secs} s (${ran} runs now, ${reused} from the store${load})`,
  );
  return out.join("\n");
}

function evaluatedJson(e: Evaluated) {
  const c = e.candidate;
  return {
    id: c.id,
    config: {
      "iommu.pageSize": c.pageSize,
      "tracking.mode": c.variant.id === "device" ? "device" : "iommu",
      "tracking.split": c.variant.split,
      "tracking.lazyThreshold": c.variant.lazyThreshold,
      "tracking.startBefore": c.variant.startBeforeMs,
      "tracking.clearBatch": c.clearBatch,
    },
    split: c.variant.label,
    runs: e.runs,
    meets: e.meets,
    failures: e.failures,
    bytesTransferred: e.bytes,
    migrationMs: e.migrationMs,
    downtimeMs: e.downtimeMs,
    guestCost: e.guest,
    iotlbMissRateBaseline: e.baseline,
    invalidationNs: e.flushNs,
    invalidations: e.invalidations,
    domainFlushes: e.domainFlushes,
    rounds: e.rounds,
    splits: e.splits,
    converged: e.converged,
    lostWrites: e.lostWrites,
    stoppedAfterRounds: e.stoppedAfterRounds ?? null,
  };
}

/** The answer as a JSON-ready object. */
export function adviceJson(a: Advice, info: RunInfo = {}) {
  const l = a.input.limits;
  return {
    meets: a.ranking.recommendation !== undefined,
    answer: a.answer,
    runnerUp: a.runnerUp ?? null,
    outside: a.outside ?? null,
    recommendation: a.ranking.recommendation ? evaluatedJson(a.ranking.recommendation) : null,
    runnerUpConfig: a.ranking.runnerUp ? evaluatedJson(a.ranking.runnerUp) : null,
    workload: {
      kind: a.input.source.kind,
      text: a.input.source.text,
      trace: a.input.source.trace ?? null,
      config: a.input.config.workload,
    },
    limits: {
      memoryBytes: l.memoryBytes,
      bandwidthBytesPerSec: l.bandwidthBytesPerSec,
      downtimeMs: l.downtimeMs,
      maxRounds: l.maxRounds,
      maxSlowdown: l.maxSlowdown ?? null,
      maxMissRate: l.maxMissRate ?? null,
      defaulted: l.defaulted,
    },
    guestCost: {
      metric: a.guest.metric,
      label: a.guest.label,
      reference: a.guest.reference,
      limit: a.guest.limit,
      limitText: a.guest.limitText,
    },
    downtime: a.downtime.text,
    runsPerConfiguration: a.input.runsText,
    ranked: a.ranking.ranked.map(evaluatedJson),
    rejected: a.ranking.rejected.map(evaluatedJson),
    notes: a.notes,
    whatIfs: a.whatIfs.map((w) => ({
      kind: w.kind,
      text: w.text,
      value: w.value ?? null,
      meets: w.result?.meets ?? null,
      result: w.result ? evaluatedJson(w.result) : null,
    })),
    assumptions: a.assumptions,
    omitted: a.omitted,
    figure: a.figurePath ?? null,
    sweeps: a.sweeps,
    runs: { total: a.runCount, ranNow: a.sweeps.reduce((s, x) => s + x.ran, 0) },
    wallMs: info.elapsedMs ?? a.wallMs,
    load: info.load ?? null,
  };
}
