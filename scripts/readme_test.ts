// The README's examples are run, so the README cannot rot: every JSON config
// block validates, every `deno task sim` command and the TypeScript snippet
// print what simulate() gives for their config here, and the sweep example
// expands to the product of its axes (--dry-run: the full sweep is the demo's).

import assert from "node:assert/strict";
import { applyOverrides, parseConfig, withoutSchemaKey } from "../lib/config/mod.ts";
import { formatResult, simulate } from "../lib/migration/mod.ts";
import { parseAxisText } from "../lib/sweep/mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const README = await Deno.readTextFile(`${ROOT}README.md`);

function blocks(lang: string): string[] {
  const re = new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g");
  return [...README.matchAll(re)].map((m) => m[1]);
}

/** Shell commands of the sh blocks, with `\` continuations joined. */
function commands(): string[] {
  return blocks("sh").flatMap((b) =>
    b.replace(/\\\n\s*/g, "").split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(
      Boolean,
    )
  );
}

/** Splits a command line into words, honouring single and double quotes. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

async function deno(args: string[], cwd = ROOT) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** `npx -y deno@2.9.6 task NAME ARGS` → the same task run with this Deno. */
function taskArgs(line: string): { task: string; args: string[] } | null {
  const w = words(line);
  const i = w.indexOf("task");
  if (w[0] !== "npx" || i < 0) return null;
  return { task: w[i + 1], args: w.slice(i + 2) };
}

Deno.test("README: the two commands are the documented ones", () => {
  const cmds = commands();
  assert.ok(cmds.includes("npx -y deno@2.9.6 task demo"));
  assert.ok(cmds.includes("npx -y deno@2.9.6 task test"));
  const ci = Deno.readTextFileSync(`${ROOT}.ci/run`);
  assert.match(
    ci,
    /^npx -y deno@2\.9\.6 task test$/m,
    ".ci/run runs exactly the README's test command",
  );
});

/** JSON blocks: sweep specs (they have "axes") and run configs (the rest). */
const isSpec = (text: string) => "axes" in JSON.parse(text);

Deno.test("README: every JSON config block is a valid config", () => {
  const json = blocks("json").filter((t) => !isSpec(t));
  assert.ok(json.length >= 1);
  for (const text of json) {
    const { $schema: _, ...config } = JSON.parse(text);
    parseConfig(config);
  }
});

Deno.test("README: every sweep spec block expands and validates", async () => {
  const specs = blocks("json").filter(isSpec);
  assert.ok(specs.length >= 1);
  const dir = await Deno.makeTempDir();
  try {
    for (const text of specs) {
      await Deno.writeTextFile(`${dir}/sweep.json`, text);
      const r = await deno([
        "run",
        "-A",
        `${ROOT}scripts/sweep.ts`,
        `${dir}/sweep.json`,
        "--dry-run",
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("README: every sim command prints what simulate() gives for its config", async () => {
  const dir = await Deno.makeTempDir();
  const runJson = blocks("json").filter((t) => !isSpec(t))[0];
  await Deno.writeTextFile(`${dir}/run.json`, runJson);
  const sims = commands().map(taskArgs).filter((t) => t?.task === "sim");
  assert.ok(sims.length >= 2);
  for (const t of sims) {
    const args = t!.args.map((a) => (a === "run.json" ? `${dir}/run.json` : a));
    const config = args.includes("--config") ? withoutSchemaKey(JSON.parse(runJson)) : {};
    const overrides = args.filter((a) => a.includes("="));
    // The command and the same config simulated here, side by side.
    const [r, direct] = await Promise.all([
      deno(["run", "-A", `${ROOT}scripts/sim.ts`, ...args]),
      simulate(applyOverrides(config, overrides)),
    ]);
    assert.equal(r.code, 0, `sim ${args.join(" ")}: ${r.stderr}`);
    if (args.includes("--json")) assert.deepEqual(JSON.parse(r.stdout), direct);
    else assert.equal(r.stdout, formatResult(direct) + "\n");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("README: the TypeScript snippet gives simulate()'s result for its input", async () => {
  const ts = blocks("ts");
  assert.ok(ts.length >= 1);
  const file = `${ROOT}.readme_snippet_${Deno.pid}.ts`;
  try {
    for (const code of ts) {
      // The input the snippet passes, as written in the README.
      const arg = /simulate\((\{[^\n]*\})\)/.exec(code)?.[1];
      assert.ok(arg, "the snippet calls simulate({ ... })");
      const input = new Function(`return (${arg});`)();
      await Deno.writeTextFile(
        file,
        code + "\nconsole.log(JSON.stringify({ config, summary }));\n",
      );
      const [r, direct] = await Promise.all([deno(["run", "-A", file]), simulate(input)]);
      assert.equal(r.code, 0, r.stderr);
      const printed = JSON.parse(r.stdout.trim().split("\n").pop()!);
      assert.deepEqual(printed.config, parseConfig(input));
      assert.deepEqual(printed.summary, direct.summary);
    }
  } finally {
    await Deno.remove(file).catch(() => {});
  }
});

Deno.test("README: the sweep example expands to the product of its axes", async () => {
  const sweeps = commands().map(taskArgs).filter((t) =>
    t?.task === "sweep" && !t.args.includes("--on")
  );
  assert.ok(sweeps.length >= 1);
  for (const t of sweeps) {
    const r = await deno(["run", "-A", `${ROOT}scripts/sweep.ts`, ...t!.args, "--dry-run"]);
    assert.equal(r.code, 0, `sweep ${t!.args.join(" ")}: ${r.stderr}`);
    // Every combination of the axes' values, once, each with its own run key.
    const axes = t!.args.filter((a) => a.includes("=") && !a.startsWith("-")).map((a) => {
      const [key, text] = [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)];
      return { key, values: parseAxisText(key, text) };
    });
    const combos = axes.reduce(
      (acc: string[], { key, values }) =>
        acc.flatMap((c) => values.map((v) => `${c} ${key}=${JSON.stringify(v)}`.trim())),
      [""],
    );
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.pop(), `${combos.length} points`);
    const points = lines.map((l) => /^\s*(\d+)\s+([0-9a-f]{16})\s+(.*)$/.exec(l)!);
    assert.deepEqual(points.map((m) => m[3]), combos, "the first axis varies slowest");
    assert.deepEqual(points.map((m) => Number(m[1])), combos.map((_, i) => i));
    assert.equal(new Set(points.map((m) => m[2])).size, combos.length);
  }
});
