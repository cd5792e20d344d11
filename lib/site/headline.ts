// The headline numbers the README quotes, computed from a published sweep's
// runs: at 2 MiB pages, what not splitting, eager and lazy splitting cost on
// both axes, and the claims the sentence makes (none never converges, eager
// sends the least, clear batching moves neither axis). The README test and
// `deno task publish` both use it, so the README cannot drift from its data.

type Row = Record<string, unknown>;

const MIB2 = 2 * 2 ** 20;

export interface SplitNumbers {
  runs: number;
  converged: number;
  /** Means over seeds and clear batches. */
  bytes: number;
  missRate: number;
  baseline: number;
  rounds: number;
}

export interface HeadlineNumbers {
  none: SplitNumbers;
  eager: SplitNumbers;
  lazy: SplitNumbers;
  /** Claims of the sentence that the data does not support (empty when all hold). */
  broken: string[];
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

function splitNumbers(rows: Row[]): SplitNumbers {
  const n = (k: string) => rows.map((r) => Number(r[k]));
  return {
    runs: rows.length,
    converged: rows.filter((r) => r.converged === true).length,
    bytes: mean(n("bytesTransferred")),
    missRate: mean(n("iotlbMissRate")),
    baseline: mean(n("iotlbMissRateBaseline")),
    rounds: mean(n("rounds")),
  };
}

/** The 2 MiB numbers of a headline sweep's ok runs, and which claims fail. */
export function headlineNumbers(runs: Row[]): HeadlineNumbers {
  const ok = runs.filter((r) => r.status === "ok");
  const at = (split: string) =>
    ok.filter((r) => Number(r.iommu_pageSize) === MIB2 && r.tracking_split === split);
  for (const s of ["none", "eager", "lazy"]) {
    if (at(s).length === 0) throw new Error(`no ok runs at 2 MiB with split ${s}`);
  }
  const none = splitNumbers(at("none")), eager = splitNumbers(at("eager"));
  const lazy = splitNumbers(at("lazy"));
  const broken: string[] = [];
  if (none.converged !== 0) broken.push(`not splitting converged in ${none.converged} runs`);
  if (Math.abs(none.missRate - none.baseline) > 0.1 * none.baseline) {
    broken.push(
      `not splitting is not at the baseline miss rate (${none.missRate} vs ${none.baseline})`,
    );
  }
  if (eager.converged !== eager.runs) broken.push("eager splitting did not always converge");
  if (lazy.converged !== lazy.runs) broken.push("lazy splitting did not always converge");
  if (!(eager.bytes <= lazy.bytes && eager.bytes <= none.bytes)) {
    broken.push("eager splitting does not send the least data");
  }
  // Clear batching moves neither axis: within a page size and split, every
  // batch has the same mean data and miss rate.
  const groups = new Map<string, Map<string, Row[]>>();
  for (const r of ok) {
    const k = `${r.iommu_pageSize}/${r.tracking_split}`;
    const g = groups.get(k) ?? new Map<string, Row[]>();
    const b = String(r.tracking_clearBatch);
    g.set(b, [...(g.get(b) ?? []), r]);
    groups.set(k, g);
  }
  for (const [k, g] of groups) {
    const means = [...g.values()].map((rs) => splitNumbers(rs));
    const same = (f: (s: SplitNumbers) => number) =>
      means.every((m) => Math.abs(f(m) - f(means[0])) <= 1e-9 * Math.abs(f(means[0])));
    if (!same((m) => m.bytes) || !same((m) => m.missRate)) {
      broken.push(`clear batching changes an axis at ${k}`);
    }
  }
  return { none, eager, lazy, broken };
}

const gib = (b: number) => (b / 2 ** 30).toFixed(2);
const pct = (r: number) => (r * 100).toFixed(1);

/** The README's sentence for these numbers. */
export function headlineSentence(n: HeadlineNumbers): string {
  return `What it shows, with this workload: at 2 MiB pages, not splitting keeps the guest's miss ` +
    `rate at its baseline (${pct(n.none.missRate)} %) but never converges (${
      gib(n.none.bytes)
    } GiB sent before giving up at ${Math.round(n.none.rounds)} rounds); eager splitting ` +
    `converges with the least data (${gib(n.eager.bytes)} GiB) at a ${
      pct(n.eager.missRate)
    } % miss rate; lazy splitting converges with ${gib(n.lazy.bytes)} GiB at ${
      pct(n.lazy.missRate)
    } %. Clear batching changes the invalidation work, not either axis.`;
}

/** Text with every run of whitespace as one space (Markdown re-wraps lines). */
export const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** The published headline folders the README links (data/published/<id>), once each. */
export function readmePublishedIds(readme: string): string[] {
  return [
    ...new Set(
      [...readme.matchAll(/data\/published\/(\d{8}-\d{6}-[0-9a-f]{4})/g)].map((m) => m[1]),
    ),
  ];
}

/**
 * The README with its headline paragraph replaced by `sentence` and every
 * link to a published folder pointed at `sweepId`; null when it has no such
 * paragraph.
 */
export function updateReadme(readme: string, sentence: string, sweepId: string): string | null {
  const start = readme.indexOf("What it shows, with this workload:");
  if (start < 0) return null;
  const end = readme.indexOf("\n\n", start);
  const out = readme.slice(0, start) + sentence + (end < 0 ? "\n" : readme.slice(end));
  return out.replace(/data\/published\/\d{8}-\d{6}-[0-9a-f]{4}/g, `data/published/${sweepId}`);
}
