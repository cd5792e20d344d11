// System tools that some tests need (Jupyter with the Deno kernel, Slurm,
// Chromium for the site's browser test). scripts/run_tests.ts ensures them before the tests run: present → use;
// missing and root → install with apt (idempotent); missing and not root →
// print the one command to run and skip those tests loudly, but fail when
// CI=true. Tests ask `needTool(name)` to learn whether they may run.

export interface SystemTool {
  name: string;
  /** Commands that must all be on PATH for the tool to count as present. */
  commands: string[];
  /** Debian packages that provide it. */
  apt: string[];
  /** Extra setup after apt (e.g. registering the Deno Jupyter kernel). */
  after?: string[][];
}

export const SYSTEM_TOOLS: Record<string, SystemTool> = {
  jupyter: {
    name: "jupyter",
    commands: ["jupyter", "jupyter-nbconvert"],
    apt: ["jupyter-nbconvert", "jupyter-client", "python3-nbclient", "jupyter-core"],
    after: [[Deno.execPath(), "jupyter", "--install", "--force"]],
  },
  slurm: {
    name: "slurm",
    commands: ["slurmctld", "slurmd", "sbatch", "squeue", "munged"],
    apt: ["slurmctld", "slurmd", "slurm-client", "munge"],
  },
  // Driven by playwright-core (never `playwright install`: no downloads). A
  // font package so headless pages (and the README's screenshot) have text.
  chromium: {
    name: "chromium",
    commands: ["chromium"],
    apt: ["chromium", "fonts-dejavu-core"],
  },
};

/** Whether `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  // Daemons (slurmctld, munged) live in /usr/sbin, which a normal user's PATH
  // often lacks: look there too, so an installed Slurm is not reported missing.
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    try {
      if (Deno.statSync(`${dir}/${cmd}`).isFile) return true;
    } catch { /* not here */ }
  }
  return false;
}

export function toolPresent(tool: SystemTool): boolean {
  if (!tool.commands.every(onPath)) return false;
  if (tool.name === "jupyter") {
    try {
      const out = new Deno.Command("jupyter", {
        args: ["kernelspec", "list"],
        stdout: "piped",
        stderr: "null",
      })
        .outputSync();
      return new TextDecoder().decode(out.stdout).includes("deno");
    } catch {
      return false;
    }
  }
  return true;
}

/** The one command a non-root user runs to get the tools. */
export function installHint(tools: SystemTool[]): string {
  const pkgs = tools.flatMap((t) => t.apt).join(" ");
  let hint = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs}`;
  if (tools.some((t) => t.name === "jupyter")) hint += " && npx -y deno@2.9.6 jupyter --install";
  return hint;
}

const inCi = () => Deno.env.get("CI") === "true";

/**
 * For a test that needs a system tool: true when it may run. When the tool is
 * missing it says so loudly; under CI=true a missing tool is an error, so a
 * skipped check can never pass as green.
 */
export function needTool(name: keyof typeof SYSTEM_TOOLS): boolean {
  const tool = SYSTEM_TOOLS[name];
  if (toolPresent(tool)) return true;
  const msg = `SKIPPED: tests needing ${name} (not installed). Run: ${installHint([tool])}`;
  if (inCi()) throw new Error(`${msg}\nCI=true: a missing ${name} is a failure, not a skip.`);
  console.error(`\n!!! ${msg}\n`);
  return false;
}
