// A single-node Slurm on this machine (scripts/slurm-local: munged, slurmctld,
// slurmd under one state directory) driven from TypeScript, so tests can start
// a real scheduler, point the client commands at it, and prove afterwards that
// every daemon they started is gone.

export type DaemonName = "munged" | "slurmctld" | "slurmd";
export const DAEMON_NAMES: readonly DaemonName[] = ["munged", "slurmctld", "slurmd"];

export interface LocalSlurmOptions {
  /** State directory (config, munge key, spool, logs); default /tmp/iommu-slurm. */
  dir?: string;
}

export interface LocalSlurm {
  dir: string;
  /** Pass as `slurmConf` to lib/cluster/slurm.ts (or export as SLURM_CONF). */
  slurmConf: string;
  /** The daemons' pids, as recorded at start. */
  pids: Record<DaemonName, number>;
}

export interface LocalSlurmStatus {
  dir: string;
  slurmConf: string;
  state: "running" | "stopped" | "partial";
  /** Node state from sinfo when running (idle, mixed, allocated, …). */
  node?: string;
  daemons: Record<DaemonName, { pid: number | null; state: ProcessState }>;
}

const SCRIPT = decodeURIComponent(new URL("../../scripts/slurm-local", import.meta.url).pathname);
export const DEFAULT_DIR = "/tmp/iommu-slurm";

/** `running`, `zombie` (exited, not yet reaped) or `gone`, from /proc/PID/stat. */
export type ProcessState = "running" | "zombie" | "gone";

/**
 * Whether a process still runs. `kill -0` cannot tell: it succeeds on a zombie,
 * and exited daemons stay zombies here while nothing reaps them.
 */
export function processState(pid: number): ProcessState {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return "gone";
  }
  // "pid (comm) S ppid …": the command name may hold blanks and parentheses.
  const st = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return st === "Z" || st === "X" ? "zombie" : "running";
}

async function script(
  cmd: string,
  dir: string,
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command("bash", {
    args: [SCRIPT, cmd, "--dir", dir],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

function keyValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^export /, "");
    const i = line.indexOf("=");
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function recordedPids(dir: string): Promise<Partial<Record<DaemonName, number>>> {
  const pids: Partial<Record<DaemonName, number>> = {};
  for (const d of DAEMON_NAMES) {
    try {
      const pid = Number((await Deno.readTextFile(`${dir}/pids/${d}`)).trim());
      if (Number.isInteger(pid) && pid > 0) pids[d] = pid;
    } catch { /* never started */ }
  }
  return pids;
}

/** Starts the local cluster (idempotent: a running one is reused) and waits until its node is up. */
async function start(opts: LocalSlurmOptions = {}): Promise<LocalSlurm> {
  const dir = opts.dir ?? DEFAULT_DIR;
  const r = await script("start", dir);
  if (r.code !== 0) {
    throw new Error(`scripts/slurm-local start failed (exit ${r.code}):\n${r.err.trim()}`);
  }
  const kv = keyValues(r.out);
  const pids = await recordedPids(dir);
  const missing = DAEMON_NAMES.filter((d) => pids[d] === undefined);
  if (missing.length) throw new Error(`slurm-local started but recorded no pid for ${missing}`);
  return {
    dir,
    slurmConf: kv.get("SLURM_CONF") ?? `${dir}/slurm.conf`,
    pids: pids as Record<DaemonName, number>,
  };
}

/**
 * Cancels every job, stops every daemon (and leftover job steps) of the
 * cluster in `dir`, then checks in /proc that none of them still runs.
 * Idempotent. Returns the pids it saw recorded.
 */
async function stop(opts: LocalSlurmOptions = {}): Promise<Partial<Record<DaemonName, number>>> {
  const dir = opts.dir ?? DEFAULT_DIR;
  const pids = await recordedPids(dir);
  const r = await script("stop", dir);
  const running = Object.entries(pids).filter(([, pid]) => processState(pid!) === "running");
  if (r.code !== 0 || running.length) {
    const list = running.map(([d, pid]) => `${d}(${pid})`).join(" ");
    throw new Error(
      `scripts/slurm-local stop failed (exit ${r.code})${
        list ? `; still running: ${list}` : ""
      }:\n` +
        r.err.trim(),
    );
  }
  return pids;
}

async function status(opts: LocalSlurmOptions = {}): Promise<LocalSlurmStatus> {
  const dir = opts.dir ?? DEFAULT_DIR;
  const r = await script("status", dir);
  const kv = keyValues(r.out);
  const state = kv.get("state");
  if (state !== "running" && state !== "stopped" && state !== "partial") {
    throw new Error(`scripts/slurm-local status failed (exit ${r.code}):\n${r.err.trim()}`);
  }
  const daemons = {} as LocalSlurmStatus["daemons"];
  for (const d of DAEMON_NAMES) {
    const pid = Number((kv.get(d) ?? "").split(" ")[0]);
    daemons[d] = Number.isInteger(pid) && pid > 0
      ? { pid, state: processState(pid) }
      : { pid: null, state: "gone" };
  }
  return {
    dir: kv.get("dir") ?? dir,
    slurmConf: kv.get("SLURM_CONF") ?? `${dir}/slurm.conf`,
    state,
    node: kv.get("node"),
    daemons,
  };
}

/** The local single-node Slurm of scripts/slurm-local. */
export const slurmLocal = { start, stop, status, script: SCRIPT };
