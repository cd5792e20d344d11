// `deno task test` (not named test.ts: `deno test` would take that for a
// test module): ensures the system tools some tests need (lib/testing/system.ts),
// then runs every `*_test.ts` of lib/ and scripts/ with Deno's runner, whose
// last line is the `ok | N passed | N failed` summary. Extra arguments replace
// the file list and go to `deno test` (e.g. a file, or a file and `--filter name`).

import { quietArrowBin } from "../lib/site/npm_quiet.ts";
import { installHint, SYSTEM_TOOLS, type SystemTool, toolPresent } from "../lib/testing/system.ts";

function run(cmd: string[], env: Record<string, string> = {}): boolean {
  console.error(`$ ${cmd.join(" ")}`);
  const r = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "inherit",
    stderr: "inherit",
    env,
  })
    .outputSync();
  return r.success;
}

function isRoot(): boolean {
  return Deno.uid?.() === 0;
}

function ensure(tools: SystemTool[]): void {
  const missing = tools.filter((t) => !toolPresent(t));
  if (missing.length === 0) return;
  const names = missing.map((t) => t.name).join(", ");
  if (!isRoot()) {
    console.error(`\n!!! missing system tools: ${names}. Their tests will be SKIPPED.`);
    console.error(`!!! To run them, install once:\n    ${installHint(missing)}\n`);
    if (Deno.env.get("CI") === "true") {
      console.error("CI=true and not root: cannot install; failing.");
      Deno.exit(1);
    }
    return;
  }
  const apt = missing.flatMap((t) => t.apt);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  console.error(`installing system tools for the tests: ${names}`);
  if (!run(["apt-get", "update", "-q"], env)) {
    console.error("apt-get update failed; trying the install anyway");
  }
  if (!run(["apt-get", "install", "-y", "-q", "--no-install-recommends", ...apt], env)) {
    console.error(`apt-get install failed for: ${apt.join(" ")}`);
  }
  for (const t of missing) for (const cmd of t.after ?? []) run(cmd);
  const still = missing.filter((t) => !toolPresent(t));
  if (still.length) {
    console.error(`!!! still missing after install: ${still.map((t) => t.name).join(", ")}`);
    if (Deno.env.get("CI") === "true") Deno.exit(1);
  }
}

ensure(Object.values(SYSTEM_TOOLS));

// Set up node_modules once, then give apache-arrow its missing bin file, so
// no test sees Deno's "arrow2csv" warning on its subprocesses' stderr.
run([Deno.execPath(), "install"]);
quietArrowBin();

/**
 * Every `*_test.ts` under `dirs`, sorted. Passed by name: with a workspace
 * member below lib/ (lib/explorer), `deno test lib/` finds no test modules
 * at all and would pass having run nothing.
 */
function testFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory && e.name !== "node_modules") walk(path);
      else if (e.isFile && e.name.endsWith("_test.ts")) out.push(path);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

const args = Deno.args.length ? Deno.args : testFiles(["lib", "scripts"]);
if (args.length === 0) {
  console.error("no *_test.ts files under lib/ and scripts/");
  Deno.exit(1);
}
const r = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--no-check=remote", ...args],
  stdout: "inherit",
  stderr: "inherit",
}).outputSync();
Deno.exit(r.code);
