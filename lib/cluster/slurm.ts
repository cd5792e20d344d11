// Submitting and watching Slurm array jobs through Slurm's own client commands
// (sbatch, squeue, scontrol, scancel), the interface every Slurm site offers;
// no REST daemon and no accounting database (sacct) are assumed. One array
// task per shard: the task reads SLURM_ARRAY_TASK_ID and does its share.

/** Where the client commands find their cluster. */
export interface SlurmClientOptions {
  /** slurm.conf of the cluster (exported as SLURM_CONF); default: the environment's. */
  slurmConf?: string;
}

export interface SubmitArrayOptions extends SlurmClientOptions {
  /** Text of the batch script (must start with `#!`); given to sbatch on stdin. */
  script?: string;
  /** Or the path of a batch script file (exactly one of `script`, `scriptFile`). */
  scriptFile?: string;
  /** Number of array tasks: ids 0 … arraySize-1. */
  arraySize?: number;
  /** Or the exact task ids to run (e.g. only the ones that failed before). */
  arrayIndices?: readonly number[];
  /** At most this many tasks run at once (`--array=…%K`). */
  arrayLimit?: number;
  partition?: string;
  /** Time limit per task in any Slurm form: minutes, `MM:SS`, `HH:MM:SS`, `D-HH:MM`. */
  time?: string;
  cpusPerTask?: number;
  jobName?: string;
  /** The tasks' working directory; it must exist (and be shared with the nodes). */
  workdir: string;
  /** Each task's stdout+stderr file; Slurm's default is `slurm-%A_%a.out` in `workdir`. */
  output?: string;
  /** Extra environment for the tasks, on top of the submitter's (sbatch's `--export=ALL`). */
  env?: Record<string, string>;
}

/** Slurm's job states that are final; every other state is still in progress. */
export const FINAL_STATES: ReadonlySet<string> = new Set([
  "COMPLETED",
  "CANCELLED",
  "FAILED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "BOOT_FAIL",
  "DEADLINE",
  "OUT_OF_MEMORY",
  "REVOKED",
]);

/** One array task as Slurm reports it. */
export interface ArrayTask {
  /** The array task id (SLURM_ARRAY_TASK_ID). */
  taskId: number;
  /** The Slurm state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … */
  state: string;
  /** Why it waits or ended (`Resources`, `NonZeroExitCode`, …); `None` when there is none. */
  reason: string;
  /** Exit code of the batch script once ended, else null. */
  exitCode: number | null;
  /** Signal that ended it (e.g. 9, 15), 0 when none; null while not ended. */
  signal: number | null;
  /** Node it ran or runs on; "" while pending. */
  nodes: string;
  /** The task's own job id (`scontrol show job` only). */
  taskJobId?: string;
  /** Its stdout/stderr files (`scontrol show job` only). */
  stdout?: string;
  stderr?: string;
}

/** The whole array at one moment. */
export interface JobState {
  jobId: string;
  /**
   * PENDING (nothing started yet), RUNNING (something runs), COMPLETED (all
   * tasks exited 0), CANCELLED (one was cancelled), FAILED (any other end),
   * UNKNOWN (Slurm no longer knows the job: purged after MinJobAge, or never existed).
   */
  state: "PENDING" | "RUNNING" | "COMPLETED" | "CANCELLED" | "FAILED" | "UNKNOWN";
  /** True while any task is not in a final state. */
  active: boolean;
  /** Number of tasks by Slurm state. */
  counts: Record<string, number>;
  tasks: ArrayTask[];
}

/** A Slurm command that could not run or failed; `stderr` is what it said. */
export class SlurmError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "SlurmError";
  }
}

const CLIENT_HINT = "Slurm's client commands are needed: on a cluster, run this on a login " +
  "node; on one machine, `scripts/slurm-local start` installs and starts a local Slurm " +
  "(Debian: apt-get install slurm-client)";

interface Output {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs one Slurm client command; a missing command becomes a SlurmError saying so. */
export async function runSlurm(
  command: string,
  args: string[],
  options: SlurmClientOptions & { env?: Record<string, string>; stdin?: string } = {},
): Promise<Output> {
  const env: Record<string, string> = { ...options.env };
  if (options.slurmConf) env.SLURM_CONF = options.slurmConf;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      env,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SlurmError(`${command} not found on PATH. ${CLIENT_HINT}.`, command, null, "");
    }
    throw e;
  }
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

function failed(command: string, args: string[], out: Output): SlurmError {
  const said = out.stderr.trim() || out.stdout.trim() || "(no output)";
  return new SlurmError(
    `${command} failed (exit ${out.code}): ${said}\n  command: ${command} ${args.join(" ")}`,
    command,
    out.code,
    out.stderr,
  );
}

/** `--array` value: `0-3`, `1,4-6`, with `%K` when a limit is given. */
export function arraySpec(
  opts: { arraySize?: number; arrayIndices?: readonly number[]; arrayLimit?: number },
): string {
  const { arraySize, arrayIndices, arrayLimit } = opts;
  if ((arraySize === undefined) === (arrayIndices === undefined)) {
    throw new RangeError("submitArray: give exactly one of arraySize and arrayIndices");
  }
  let spec: string;
  if (arraySize !== undefined) {
    if (!Number.isInteger(arraySize) || arraySize < 1) {
      throw new RangeError(`submitArray: arraySize ${arraySize} is not a whole number ≥ 1`);
    }
    spec = arraySize === 1 ? "0" : `0-${arraySize - 1}`;
  } else {
    const ids = [...new Set(arrayIndices)].sort((a, b) => a - b);
    if (ids.length === 0) throw new RangeError("submitArray: arrayIndices is empty");
    const bad = ids.find((i) => !Number.isInteger(i) || i < 0);
    if (bad !== undefined) {
      throw new RangeError(`submitArray: array index ${bad} is not a whole number ≥ 0`);
    }
    const parts: string[] = [];
    for (let i = 0; i < ids.length;) {
      let j = i;
      while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
      parts.push(j === i ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
      i = j + 1;
    }
    spec = parts.join(",");
  }
  if (arrayLimit !== undefined) {
    if (!Number.isInteger(arrayLimit) || arrayLimit < 1) {
      throw new RangeError(`submitArray: arrayLimit ${arrayLimit} is not a whole number ≥ 1`);
    }
    spec += `%${arrayLimit}`;
  }
  return spec;
}

/** The sbatch arguments for a submission (without the script). */
export function sbatchArgs(opts: SubmitArrayOptions): string[] {
  const args = ["--parsable", `--array=${arraySpec(opts)}`, `--chdir=${opts.workdir}`];
  if (opts.partition) args.push(`--partition=${opts.partition}`);
  if (opts.time) args.push(`--time=${opts.time}`);
  if (opts.cpusPerTask !== undefined) {
    if (!Number.isInteger(opts.cpusPerTask) || opts.cpusPerTask < 1) {
      throw new RangeError(
        `submitArray: cpusPerTask ${opts.cpusPerTask} is not a whole number ≥ 1`,
      );
    }
    args.push(`--cpus-per-task=${opts.cpusPerTask}`);
  }
  if (opts.jobName) args.push(`--job-name=${opts.jobName}`);
  if (opts.output) args.push(`--output=${opts.output}`);
  return args;
}

/**
 * Submits an array job with `sbatch --parsable --array=…` and returns its job
 * id. Throws a SlurmError with sbatch's stderr when sbatch is missing or refuses.
 */
export async function submitArray(opts: SubmitArrayOptions): Promise<string> {
  if ((opts.script === undefined) === (opts.scriptFile === undefined)) {
    throw new TypeError("submitArray: give exactly one of script (its text) and scriptFile");
  }
  if (opts.script !== undefined && !opts.script.startsWith("#!")) {
    throw new TypeError(
      "submitArray: script must be the text of a batch script starting with #! " +
        "(to submit a file, pass its path as scriptFile)",
    );
  }
  let isDir = false;
  try {
    isDir = (await Deno.stat(opts.workdir)).isDirectory;
  } catch { /* reported below */ }
  if (!isDir) throw new Error(`submitArray: workdir ${opts.workdir} is not a directory`);
  const args = sbatchArgs(opts);
  if (opts.scriptFile !== undefined) args.push(opts.scriptFile);
  const out = await runSlurm("sbatch", args, {
    slurmConf: opts.slurmConf,
    env: opts.env,
    stdin: opts.script,
  });
  if (out.code !== 0) throw failed("sbatch", args, out);
  // --parsable prints "jobid" or "jobid;cluster".
  const jobId = out.stdout.trim().split(";")[0];
  if (!/^\d+$/.test(jobId)) {
    throw new SlurmError(
      `sbatch printed no job id: ${JSON.stringify(out.stdout)}`,
      "sbatch",
      0,
      out.stderr,
    );
  }
  return jobId;
}

/** squeue/scontrol wait statuses: exit code in the high byte, signal in the low bits. */
export function decodeWaitStatus(raw: number): { exitCode: number; signal: number } {
  return { exitCode: (raw >> 8) & 0xff, signal: raw & 0x7f };
}

const SQUEUE_FIELDS = ["ArrayTaskID", "State", "Reason", "exit_code", "NodeList"];

/** Parses `squeue -h -r -O ArrayTaskID:|,State:|,…` lines (one per task). */
export function parseSqueue(text: string): ArrayTask[] {
  const tasks: ArrayTask[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [id, state, reason, exit, nodes] = line.split("|").map((s) => s.trim());
    const taskId = Number(id);
    // A job that is not an array has task id N/A: count it as task 0.
    const ended = FINAL_STATES.has(state);
    const raw = Number(exit);
    const status = ended && Number.isFinite(raw) ? decodeWaitStatus(raw) : null;
    tasks.push({
      taskId: Number.isInteger(taskId) ? taskId : 0,
      state,
      reason: reason ?? "",
      exitCode: status ? status.exitCode : null,
      signal: status ? status.signal : null,
      nodes: nodes ?? "",
    });
  }
  return tasks.sort((a, b) => a.taskId - b.taskId);
}

/** Expands a Slurm id list such as `2-5%2`, `1,3,7-9` or `0-10:2`. */
export function expandIds(spec: string): number[] {
  const ids: number[] = [];
  for (const part of spec.replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) throw new Error(`not a Slurm id list: ${spec}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = first; i <= last; i += step) ids.push(i);
  }
  return ids;
}

/** Parses `scontrol show -o job J`: one line per task record; pending tasks may share one. */
export function parseScontrol(text: string): ArrayTask[] {
  const tasks: ArrayTask[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("JobId=")) continue;
    const f = new Map<string, string>();
    // Values have no blanks except a few free-text fields we do not read.
    for (const m of line.matchAll(/(\S+?)=(\S*)/g)) if (!f.has(m[1])) f.set(m[1], m[2]);
    const state = f.get("JobState") ?? "UNKNOWN";
    const ended = FINAL_STATES.has(state);
    const [code, sig] = (f.get("ExitCode") ?? "").split(":").map(Number);
    const nodes = f.get("NodeList") ?? "";
    for (const taskId of expandIds(f.get("ArrayTaskId") ?? "0")) {
      tasks.push({
        taskId,
        state,
        reason: f.get("Reason") ?? "",
        exitCode: ended && Number.isFinite(code) ? code : null,
        signal: ended && Number.isFinite(sig) ? sig : null,
        nodes: nodes === "(null)" ? "" : nodes,
        taskJobId: f.get("JobId"),
        stdout: f.get("StdOut"),
        stderr: f.get("StdErr"),
      });
    }
  }
  return tasks.sort((a, b) => a.taskId - b.taskId);
}

/** Summarises tasks into the array's state. */
export function summarize(jobId: string, tasks: ArrayTask[]): JobState {
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const active = tasks.some((t) => !FINAL_STATES.has(t.state));
  let state: JobState["state"];
  if (tasks.length === 0) state = "UNKNOWN";
  // Once any task has started (or ended), the array as a whole is running.
  else if (active) state = tasks.some((t) => t.state !== "PENDING") ? "RUNNING" : "PENDING";
  else if (tasks.every((t) => t.state === "COMPLETED")) state = "COMPLETED";
  else if (tasks.some((t) => t.state === "CANCELLED")) state = "CANCELLED";
  else state = "FAILED";
  return { jobId, state, active, counts, tasks };
}

const isUnknownJob = (out: Output) => /Invalid job id/i.test(out.stderr);

/**
 * The array's state from `squeue` (every task, finished ones included while
 * Slurm keeps them: MinJobAge, 300 s by default). A job Slurm no longer knows
 * is UNKNOWN with no tasks.
 */
export async function jobState(jobId: string, opts: SlurmClientOptions = {}): Promise<JobState> {
  const args = [
    "-h",
    "-r",
    "-t",
    "all",
    "-j",
    jobId,
    "-O",
    SQUEUE_FIELDS.map((f) => `${f}:|`).join(","),
  ];
  const out = await runSlurm("squeue", args, opts);
  if (out.code !== 0) {
    if (isUnknownJob(out)) return summarize(jobId, []);
    throw failed("squeue", args, out);
  }
  return summarize(jobId, parseSqueue(out.stdout));
}

/**
 * Every task with its exit code, node and output files, from `scontrol show
 * job` (the detail sacct would give, without an accounting daemon). Empty when
 * Slurm no longer knows the job.
 */
export async function arrayTasks(
  jobId: string,
  opts: SlurmClientOptions = {},
): Promise<ArrayTask[]> {
  const args = ["show", "-o", "job", jobId];
  const out = await runSlurm("scontrol", args, opts);
  if (out.code !== 0) {
    if (isUnknownJob(out)) return [];
    throw failed("scontrol", args, out);
  }
  return parseScontrol(out.stdout);
}

/** Cancels the job (every task) with scancel; a job that already ended is fine. */
export async function cancel(jobId: string, opts: SlurmClientOptions = {}): Promise<void> {
  const args = [jobId];
  const out = await runSlurm("scancel", args, opts);
  if (out.code === 0 || isUnknownJob(out) || /already (completing|completed)/i.test(out.stderr)) {
    return;
  }
  throw failed("scancel", args, out);
}

export interface WaitOptions extends SlurmClientOptions {
  /** Called after every poll with the array's state. */
  onProgress?: (state: JobState) => void;
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Also `scancel` the job when `signal` aborts. */
  cancelOnAbort?: boolean;
  /** Poll interval bounds in ms: it starts at the first and backs off to the second while nothing changes. */
  intervalMs?: [number, number];
  /** squeue failures in a row tolerated (a busy controller times out now and then). */
  maxErrors?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Polls squeue until no task of the array is pending or running and returns
 * the final state (every poll goes to `onProgress`). Polls every 0.2 s while
 * things change, backing off to 1 s when they do not.
 */
export async function waitForJob(jobId: string, opts: WaitOptions = {}): Promise<JobState> {
  const [fastMs, slowMs] = opts.intervalMs ?? [200, 1000];
  const maxErrors = opts.maxErrors ?? 5;
  const client = { slurmConf: opts.slurmConf };
  let interval = fastMs;
  let last = "";
  let errors = 0;
  try {
    while (true) {
      opts.signal?.throwIfAborted();
      let state: JobState;
      try {
        state = await jobState(jobId, client);
        errors = 0;
      } catch (e) {
        if (!(e instanceof SlurmError) || e.exitCode === null || ++errors > maxErrors) throw e;
        await sleep(slowMs, opts.signal);
        continue;
      }
      opts.onProgress?.(state);
      if (!state.active) return state;
      const now = JSON.stringify(state.counts);
      interval = now === last ? Math.min(slowMs, interval * 1.5) : fastMs;
      last = now;
      await sleep(interval, opts.signal);
    }
  } catch (e) {
    if (opts.signal?.aborted && opts.cancelOnAbort) await cancel(jobId, client);
    throw e;
  }
}
