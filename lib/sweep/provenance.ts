// Where a sweep's numbers came from: the engine's git commit (and whether the
// tree had changes), the engine version, Deno's version and the host. Stored
// with every sweep so a figure can be traced back to the code that made it.

/** The project's root: two levels above this file. */
const ROOT = new URL("../../", import.meta.url);

export interface Provenance {
  gitCommit: string | null;
  /** Whether tracked or untracked files differed from the commit; null without git. */
  gitDirty: boolean | null;
  denoVersion: string;
  host: string;
}

async function git(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", ROOT.pathname, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null; // no git on this machine
  }
}

/** Provenance of the code and machine running now. */
export async function provenance(): Promise<Provenance> {
  const gitCommit = await git(["rev-parse", "HEAD"]);
  const status = gitCommit === null ? null : await git(["status", "--porcelain"]);
  return {
    gitCommit,
    gitDirty: status === null ? null : status.length > 0,
    denoVersion: Deno.version.deno,
    host: Deno.hostname(),
  };
}
