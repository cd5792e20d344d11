// `deno task golden`: the demo's 81 points (HEADLINE_SPEC) through simulate()
// on child processes, every summary metric and round record compared with
// data/golden/demo81.json as JSON: a refactor must print "identical". `--write`
// records the results; a change meant to move them says why in its commit.
// Metrics the golden file does not hold yet are listed, not failed.

import { HEADLINE_SPEC } from "../lib/demo/mod.ts";
import { simulate } from "../lib/migration/mod.ts";
import { planSweep } from "../lib/sweep/mod.ts";

export const GOLDEN = "data/golden/demo81.json";

export interface PointResult {
  index: number;
  axes: Record<string, unknown>;
  summary: Record<string, unknown>;
  rounds: Record<string, unknown>[];
}

async function points() {
  const plan = await planSweep(HEADLINE_SPEC, { engineVersion: "golden" });
  return plan.points;
}

/** Simulates the points whose index is `part` modulo `parts`. */
export async function* simulatePoints(part: number, parts: number): AsyncGenerator<PointResult> {
  for (const p of await points()) {
    if (p.index % parts !== part) continue;
    const r = await simulate(p.config);
    yield {
      index: p.index,
      axes: p.axes,
      summary: { ...r.summary },
      rounds: r.rounds.map((x) => ({ ...x })),
    };
  }
}

async function runPart(part: number, parts: number): Promise<void> {
  for await (const out of simulatePoints(part, parts)) console.log(JSON.stringify(out));
}

async function runAll(parts: number): Promise<PointResult[]> {
  const script = new URL(import.meta.url).pathname;
  const children = Array.from({ length: parts }, (_, i) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "--part", `${i}/${parts}`],
      stdout: "piped",
      stderr: "inherit",
    }).output());
  const results: PointResult[] = [];
  for (const out of await Promise.all(children)) {
    if (!out.success) throw new Error("a golden worker failed");
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      if (line.trim()) results.push(JSON.parse(line));
    }
  }
  return results.sort((a, b) => a.index - b.index);
}

export function compare(golden: PointResult[], now: PointResult[], partial = false): string[] {
  const diffs: string[] = [];
  const added = new Set<string>();
  if (!partial && golden.length !== now.length) {
    diffs.push(`points: ${golden.length} golden, ${now.length} now`);
  }
  for (const g of golden) {
    if (partial && !now.some((x) => x.index === g.index)) continue;
    const n = now.find((x) => x.index === g.index);
    const where = `point ${g.index} ${JSON.stringify(g.axes)}`;
    if (!n) {
      diffs.push(`${where}: missing`);
      continue;
    }
    for (const [k, v] of Object.entries(g.summary)) {
      if (JSON.stringify(v) !== JSON.stringify(n.summary[k])) {
        diffs.push(
          `${where} summary.${k}: ${JSON.stringify(v)} -> ${JSON.stringify(n.summary[k])}`,
        );
      }
    }
    for (const k of Object.keys(n.summary)) if (!(k in g.summary)) added.add(`summary.${k}`);
    if (g.rounds.length !== n.rounds.length) {
      diffs.push(`${where}: ${g.rounds.length} round records -> ${n.rounds.length}`);
      continue;
    }
    g.rounds.forEach((gr, i) => {
      for (const [k, v] of Object.entries(gr)) {
        if (JSON.stringify(v) !== JSON.stringify(n.rounds[i][k])) {
          diffs.push(
            `${where} rounds[${i}].${k}: ${JSON.stringify(v)} -> ${JSON.stringify(n.rounds[i][k])}`,
          );
        }
      }
      for (const k of Object.keys(n.rounds[i])) if (!(k in gr)) added.add(`rounds.${k}`);
    });
  }
  if (added.size) console.error(`new metrics, not in ${GOLDEN}: ${[...added].join(", ")}`);
  return diffs;
}

async function main(args: string[]): Promise<number> {
  const partAt = args.indexOf("--part");
  if (partAt >= 0) {
    const [i, n] = args[partAt + 1].split("/").map(Number);
    await runPart(i, n);
    return 0;
  }
  const write = args.includes("--write");
  const unknown = args.filter((a) => a !== "--write");
  if (unknown.length) {
    console.error(`golden: unknown argument ${unknown[0]} (usage: deno task golden [--write])`);
    return 2;
  }
  const t0 = performance.now();
  const now = await runAll(Math.max(1, navigator.hardwareConcurrency));
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (write) {
    await Deno.mkdir("data/golden", { recursive: true });
    await Deno.writeTextFile(GOLDEN, JSON.stringify(now, null, 1) + "\n");
    console.log(`wrote ${GOLDEN}: ${now.length} points (${secs} s)`);
    return 0;
  }
  const golden: PointResult[] = JSON.parse(await Deno.readTextFile(GOLDEN));
  const diffs = compare(golden, now);
  if (diffs.length) {
    for (const d of diffs.slice(0, 40)) console.log(d);
    console.log(`${diffs.length} differences from ${GOLDEN} (${secs} s)`);
    return 1;
  }
  console.log(`${now.length} points identical to ${GOLDEN} (every metric, every round; ${secs} s)`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
